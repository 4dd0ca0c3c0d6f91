"""Schemathesis over the whole API schema, in process, as part of the normal suite (issue 11, item 8).

Every operation of /api/schema/ gets generated requests (valid and invalid) from a platform key that holds
every scope, with the tenant paths pointed at an existing guild so that requests reach the views; then the
stateful run chains operations through the links schemathesis infers from the schema (a created capper,
bet, key or request is read, settled, revoked...). The one property checked: no answer is a server error.
Bounded in time: derandomized (the "ci" profile in tests/conftest.py), few examples per operation.

The requests go through Django's WSGI handler inside the test's transaction (the database is rolled back
at the end), so the signal that closes connections between requests is held off while it runs.
"""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode

from apps.accounts.choices import ApiScope
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

GUILD_ID = "111111111111111111"
MEMBER_ID = "400000000000000001"
EXAMPLES_PER_OPERATION = 12
STATEFUL_SCENARIOS = 15
# path parameters pointed at rows that exist, so that requests get past the 404 into the views
PATH_VALUES = {"guild_id": GUILD_ID, "discord_user_id": MEMBER_ID}


@pytest.fixture
def wsgi_app():
    """Django's WSGI handler, sharing the test's connection and transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def platform_secret(tenant, make_key) -> str:
    _, secret = make_key(ApiScope.values, name="schemathesis")
    MemberFactory(tenant=tenant, discord_user_id=MEMBER_ID)
    return secret


@pytest.fixture
def api_schema(wsgi_app, platform_secret):
    """The served schema; its requests go to the in-process app."""
    config = SchemathesisConfig.from_dict({"generation": {"deterministic": True, "allow-x00": False}})
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app, config=config)


def _server_errors(operation, mode: GenerationMode, secret: str) -> list[str]:
    """Run one operation's generated cases; the curl commands of those that answered 5xx."""
    fixed = {name: value for name, value in PATH_VALUES.items() if name in _path_parameter_names(operation)}
    failures: list[str] = []

    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=fixed or None))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        response = case.call(headers={"Authorization": f"Bearer {secret}"})
        if response.status_code >= 500:
            failures.append(f"{response.status_code} {case.as_curl_command()}")

    run()
    return failures


def _path_parameter_names(operation) -> set[str]:
    return {parameter.name for parameter in operation.path_parameters}


def test_no_operation_answers_a_server_error(api_schema, platform_secret):
    failures = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 40
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failures.extend(_server_errors(operation, mode, platform_secret))

    assert failures == []


def test_no_chain_of_linked_operations_answers_a_server_error(api_schema, platform_secret):
    failures: list[str] = []
    links = api_schema.as_state_machine()

    class Chains(links):
        def before_call(self, case) -> None:
            if "guild_id" in (case.path_parameters or {}):
                case.path_parameters["guild_id"] = GUILD_ID  # the tenant that exists

        def get_call_kwargs(self, case) -> dict:
            return {"headers": {"Authorization": f"Bearer {platform_secret}"}}

        def validate_response(self, response, case, **kwargs) -> None:
            if response.status_code >= 500:
                failures.append(f"{response.status_code} {case.as_curl_command()}")

    Chains.run(
        settings=settings(
            max_examples=STATEFUL_SCENARIOS,
            stateful_step_count=6,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )

    assert failures == []
