"""Who may call the incidents API: every endpoint under /api/v1/incidents/ against every kind of credential.

Incidents are platform data: only a platform key with incidents:read (reads) or incidents:write (changes) is let
in. A denied call answers the right status and code in the error shape and leaves the database exactly as it was;
an allowed call does exactly its job. Parts that add endpoints under /api/v1/incidents/ add their rows to
ENDPOINTS, MATRIX and EFFECTS (the route test below fails until they do).
"""

import json
import re
from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from apps.accounts.choices import ApiScope
from apps.accounts.key_policy import TENANT_SCOPES
from apps.accounts.models import ApiKey
from apps.accounts.services import api_key_revoke
from apps.incidents.models import Incident
from apps.incidents.services.incidents import incident_declare
from tests.api.snapshots import snapshot_diff, take_snapshot

pytestmark = pytest.mark.django_db

UNKNOWN_SECRET = "dbsbm_0123abcd_" + "x" * 43
ALL_SCOPES = tuple(ApiScope.values)
PREFIX = "/api/v1/incidents/"


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # formatted with pk (an incident)
    scope: str
    success: int
    body: dict[str, Any] | None = None


ENDPOINTS = {
    "incidents_list": Endpoint("GET", "/api/v1/incidents/", "incidents:read", 200),
    "incidents_create": Endpoint(
        "POST",
        "/api/v1/incidents/",
        "incidents:write",
        201,
        {"title": "Declared by the matrix", "kind": "data_breach", "severity": "critical"},
    ),
    "incident_retrieve": Endpoint("GET", "/api/v1/incidents/{pk}/", "incidents:read", 200),
    "incident_update": Endpoint("PATCH", "/api/v1/incidents/{pk}/", "incidents:write", 200, {"severity": "critical"}),
    "incident_transition": Endpoint(
        "POST", "/api/v1/incidents/{pk}/transition/", "incidents:write", 200, {"status": "triaged"}
    ),
    "incident_timeline": Endpoint("GET", "/api/v1/incidents/{pk}/timeline/", "incidents:read", 200),
}

CREDENTIALS = (
    "none",
    "malformed",
    "unknown",
    "revoked",
    "expired",
    "tenant",
    "tenant_listing_the_scope",
    "platform_without_scope",
    "platform",
)

# OK: the endpoint's success status; U: 401; F: 403 permission_denied
OK, U, F = "ok", "401", "403"

# fmt: off
MATRIX = {
    #                       none malformed unknown revoked expired tenant tenant+scope p-no-scope platform
    "incidents_list":       (U,  U,        U,      U,      U,      F,     F,           F,         OK),
    "incidents_create":     (U,  U,        U,      U,      U,      F,     F,           F,         OK),
    "incident_retrieve":    (U,  U,        U,      U,      U,      F,     F,           F,         OK),
    "incident_update":      (U,  U,        U,      U,      U,      F,     F,           F,         OK),
    "incident_transition":  (U,  U,        U,      U,      U,      F,     F,           F,         OK),
    "incident_timeline":    (U,  U,        U,      U,      U,      F,     F,           F,         OK),
}
# fmt: on

CASES = [
    pytest.param(endpoint, credential, outcome, id=f"{endpoint}-{credential}")
    for endpoint, row in MATRIX.items()
    for credential, outcome in zip(CREDENTIALS, row, strict=True)
]


def _routes(resolver: URLResolver, prefix: str = "") -> list[str]:
    """Every URL pattern as a path template: "(?P<pk>…)" becomes "{pk}", anchors go."""
    templates = []
    for pattern in resolver.url_patterns:
        text = prefix + str(pattern.pattern).lstrip("^").rstrip("$")
        if isinstance(pattern, URLResolver):
            templates.extend(_routes(pattern, text))
        elif isinstance(pattern, URLPattern):
            templates.append("/" + re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", text))
    return templates


def test_the_matrix_covers_every_endpoint_and_credential():
    assert set(MATRIX) == set(ENDPOINTS) == set(EFFECTS)
    assert all(len(row) == len(CREDENTIALS) for row in MATRIX.values())


# The routes whose credential matrices live beside their parts' tests: escalation
# (test_escalation_api_authorization.py) and evidence and review (test_api_evidence_authorization.py).
# Each of those files checks that its matrix names these routes; this list makes a new route fail here
# until some matrix names it.
OTHER_MATRICES = {
    PREFIX + "escalation-policies/",
    PREFIX + "{pk}/acknowledge/",
    PREFIX + "{pk}/notifications/",
    PREFIX + "<int:incident_id>/evidence/",
    PREFIX + "<int:incident_id>/evidence/<int:evidence_id>/download/",
    PREFIX + "<int:incident_id>/evidence/<int:evidence_id>/custody/",
    PREFIX + "<int:incident_id>/review/",
}


def test_the_matrix_names_every_route_under_the_incidents_api():
    routes = {route for route in _routes(get_resolver()) if route.startswith(PREFIX)}

    assert routes == {endpoint.path for endpoint in ENDPOINTS.values()} | OTHER_MATRICES


@pytest.fixture
def world(actor, tenant):
    incident = incident_declare(actor=actor, title="Matrix incident", kind="account_takeover", severity="high")
    return SimpleNamespace(tenant=tenant, incident=incident, actor=actor)


def _authorize(credential: str, *, scope: str, world, make_key, make_legacy_key) -> tuple[str | None, ApiKey | None]:
    if credential == "none":
        return None, None
    if credential == "malformed":
        return "Token something", None
    if credential == "unknown":
        return f"Bearer {UNKNOWN_SECRET}", None
    if credential == "tenant":
        api_key, secret = make_key(TENANT_SCOPES, tenant=world.tenant, name=credential)
    elif credential == "tenant_listing_the_scope":
        # a tenant key whose row lists the incident scopes (as a row written before the minting rule could)
        api_key, secret = make_legacy_key([*TENANT_SCOPES, "incidents:read", "incidents:write"], world.tenant)
    elif credential == "platform_without_scope":
        api_key, secret = make_key([name for name in ALL_SCOPES if name != scope], name=credential)
    else:
        api_key, secret = make_key(ALL_SCOPES if credential != "platform" else [scope], name=credential)
    if credential == "revoked":
        api_key_revoke(api_key=api_key, actor=world.actor, reason="test")
    if credential == "expired":
        ApiKey.objects.filter(pk=api_key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    return f"Bearer {secret}", api_key


def _call(api_client, endpoint: Endpoint, world, authorization: str | None):
    path = endpoint.path.format(pk=world.incident.pk)
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    if endpoint.body is None:
        return api_client.generic(endpoint.method, path, **headers)
    return api_client.generic(
        endpoint.method, path, json.dumps(endpoint.body), content_type="application/json", **headers
    )


@pytest.mark.parametrize(("endpoint_name", "credential", "outcome"), CASES)
def test_incidents_authorization_matrix(
    api_client, make_key, make_legacy_key, world, endpoint_name, credential, outcome
):
    endpoint = ENDPOINTS[endpoint_name]
    authorization, api_key = _authorize(
        credential, scope=endpoint.scope, world=world, make_key=make_key, make_legacy_key=make_legacy_key
    )
    before = take_snapshot()

    response = _call(api_client, endpoint, world, authorization)

    diff = snapshot_diff(before, take_snapshot())
    if outcome == OK:
        assert response.status_code == endpoint.success, response.content
        EFFECTS[endpoint_name](world=world, response=response, diff=diff, api_key=api_key)
        return
    expected_status, code = (
        (401, "not_authenticated" if credential == "none" else "authentication_failed")
        if outcome == U
        else (403, "permission_denied")
    )
    assert response.status_code == expected_status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert (body["code"], body["fields"]) == (code, {})
    assert body["message"]
    assert diff == {}, "a denied call changed the database"
    if expected_status == 401:
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'


# --- the exact effect of each allowed call -----------------------------------------------------------


def _only_reads(*, diff, **_) -> None:
    assert diff == {}


def _incidents_list(*, world, response, diff, **_):
    assert [row["id"] for row in response.json()["results"]] == [world.incident.pk]
    _only_reads(diff=diff)


def _incident_retrieve(*, world, response, diff, **_):
    assert response.json()["reference"] == world.incident.reference
    _only_reads(diff=diff)


def _incident_timeline(*, response, diff, **_):
    assert [row["kind"] for row in response.json()["results"]] == ["opened", "clock"]  # NIS2's clock: it is high
    _only_reads(diff=diff)


def _one_event(diff, *, action: str, api_key: ApiKey) -> dict:
    (event,) = [event for event in diff["audit_event"]["added"].values() if event["action"] == action]
    assert (event["actor_kind"], event["actor_identifier"]) == ("api_key", str(api_key.pk))
    return event


def _incidents_create(*, response, diff, api_key, **_):
    created = Incident.objects.get(pk=response.json()["id"])
    assert (created.title, created.kind, created.severity) == ("Declared by the matrix", "data_breach", "critical")
    assert set(diff["incident"]["added"]) == {created.pk}
    # and the regulatory clocks' line (a critical incident starts NIS2's early-warning clock)
    assert [row["kind"] for row in diff["incident_timeline"]["added"].values()] == ["opened", "clock"]
    _one_event(diff, action="incidents.declared", api_key=api_key)
    assert set(diff) <= {"incident", "incident_timeline", "audit_event"}


def _incident_changed(world, diff, fields: set[str]) -> None:
    assert set(diff["incident"]["changed"]) == {world.incident.pk}
    assert set(diff["incident"]["changed"][world.incident.pk]) == {*fields, "updated_at"}
    assert len(diff["incident_timeline"]["added"]) == 1
    assert set(diff) <= {"incident", "incident_timeline", "audit_event"}


def _incident_update(*, world, response, diff, api_key, **_):
    assert response.json()["severity"] == "critical"
    _incident_changed(world, diff, {"severity"})
    event = _one_event(diff, action="incidents.updated", api_key=api_key)
    assert event["changes"] == {"severity": {"before": "high", "after": "critical"}}


def _incident_transition(*, world, response, diff, api_key, **_):
    assert response.json()["status"] == "triaged"
    _incident_changed(world, diff, {"status", "triaged_at"})
    _one_event(diff, action="incidents.status_changed", api_key=api_key)


EFFECTS = {
    "incidents_list": _incidents_list,
    "incidents_create": _incidents_create,
    "incident_retrieve": _incident_retrieve,
    "incident_update": _incident_update,
    "incident_transition": _incident_transition,
    "incident_timeline": _incident_timeline,
}
