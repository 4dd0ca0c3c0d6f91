"""Shared fixtures. Tests run against the real PostgreSQL and Redis named by DATABASE_URL/REDIS_URL.

Fixtures are shared through pytest, never imported (tests/architecture/test_fixture_sharing.py): a folder's
own in its conftest.py, those of several folders in a plugin module listed in `pytest_plugins` below
(pytest reads that list in this top-level conftest only). Plain helpers (factories, builders of rows,
`verified_client`) live in helper modules that tests import.
"""

import os

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.utils import translation  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from apps.accounts.choices import StaffRole  # noqa: E402
from apps.accounts.models import ApiKey  # noqa: E402
from apps.accounts.roles import ROLE_GROUP_NAMES  # noqa: E402
from apps.accounts.services import api_key_create  # noqa: E402
from apps.core.actors import Actor  # noqa: E402
from apps.core.api.ratelimit import reset_failure_reports  # noqa: E402
from apps.core.cache import breaker, lost_bumps_forget  # noqa: E402
from apps.core.cache.stats import stats as cache_stats  # noqa: E402
from apps.keyring.ring import key_ring  # noqa: E402
from tests.factories import TenantFactory, UserFactory  # noqa: E402

pytest_plugins = ["tests.fixtures.mail"]
# helpers moved out of test modules keep pytest's detailed assertion messages
pytest.register_assert_rewrite("tests.api.helpers", "tests.betting.helpers")

# Property tests draw the same examples on every run: a counterexample found by chance must not fail CI
# at random (HYPOTHESIS_PROFILE=explore searches afresh, and what it finds becomes an explicit case).
# No per-example deadline: a pause of a shared machine is not a bug.
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None)
hypothesis_settings.register_profile("explore", deadline=None, max_examples=1000)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _clear_cache():
    """Each test starts with an empty Redis cache (its own database index, see make test), a closed
    circuit breaker, zeroed cache statistics and no lost bumps of an earlier test to replay."""
    cache.clear()
    breaker.reset()
    lost_bumps_forget()
    cache_stats.reset()
    reset_failure_reports()
    yield


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: the test client's requests run in this thread, and a request in
    Spanish (LocaleMiddleware activates it) would otherwise leave the next test's services speaking Spanish. Under
    ASGI the active language is local to each request's context, so production has no such carry-over."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _forget_rolled_back_data_keys():
    """A test that created data keys (rotation) rolls them back; its process must not keep using them.
    Every fresh test database has exactly data key v1 (seeded by post_migrate)."""
    yield
    if key_ring.cached_active_version not in (None, 1):
        key_ring.clear()


@pytest.fixture(autouse=True)
def _audit_checkpoint_directory(settings, tmp_path_factory, monkeypatch):
    """Each test publishes audit checkpoints into a directory of its own (its chain key is its own: the
    sealed secret rolls back with the test), and so does any manage.py process the test starts."""
    directory = str(tmp_path_factory.mktemp("audit-checkpoints"))
    settings.AUDIT_CHECKPOINT_DIR = directory
    monkeypatch.setenv("AUDIT_CHECKPOINT_DIR", directory)
    return directory


@pytest.fixture
def actor() -> Actor:
    return Actor.system("test")


@pytest.fixture
def tenant(db):
    return TenantFactory(guild_id="111111111111111111", name="Home Guild")


@pytest.fixture
def other_tenant(db):
    return TenantFactory(guild_id="222222222222222222", name="Other Guild")


@pytest.fixture
def make_key(db, actor):
    """make_key(scopes, tenant=None, **kwargs) -> (ApiKey, secret)."""

    def _make(scopes, tenant=None, **kwargs):
        return api_key_create(
            actor=actor, name=kwargs.pop("name", "test key"), scopes=list(scopes), tenant=tenant, **kwargs
        )

    return _make


@pytest.fixture
def make_legacy_key(make_key):
    """make_legacy_key(scopes, tenant, **kwargs) -> (ApiKey, secret): a tenant key whose row lists `scopes`
    although the minting rule (apps/accounts/key_policy.py) forbids some of them on a tenant key, as a
    row written before the rule could. It holds none of those (ApiKey.has_scope)."""

    def _make(scopes, tenant, **kwargs):
        api_key, secret = make_key(["tenants:read"], tenant=tenant, **kwargs)
        ApiKey.objects.filter(pk=api_key.pk).update(scopes=sorted(set(scopes)))
        api_key.refresh_from_db()
        return api_key, secret

    return _make


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def client_with_key():
    """client_with_key(secret) -> an APIClient sending `Authorization: Bearer <secret>`."""

    def _client(secret: str | None) -> APIClient:
        client = APIClient()
        if secret is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        return client

    return _client


@pytest.fixture
def staff_user(db):
    """staff_user(role) -> a staff user holding that role (superuser is Django's flag)."""

    def _make(role: str, **kwargs):
        user = UserFactory(is_superuser=role == StaffRole.SUPERUSER, **kwargs)
        if role in ROLE_GROUP_NAMES:
            user.groups.add(Group.objects.get(name=ROLE_GROUP_NAMES[role]))
        return user

    return _make
