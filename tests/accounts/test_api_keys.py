"""API keys: shown once, stored hashed, Bearer only, revocable, expiring, blocked with their tenant."""

import hashlib
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from apps.accounts.choices import ApiScope
from apps.accounts.models import ApiKey
from apps.audit.models import AuditEvent
from tests.api.snapshots import snapshot_diff, take_snapshot

pytestmark = pytest.mark.django_db

PLANS = "/api/v1/plans/"


def _tenant_path(tenant, suffix: str = "") -> str:
    return f"/api/v1/tenants/{tenant.guild_id}/{suffix}"


@pytest.fixture
def platform(make_key, client_with_key):
    """A client holding a platform key with every scope."""
    _, secret = make_key(ApiScope.values, name="platform")
    return client_with_key(secret)


def _create_through_api(platform, tenant, **payload) -> dict:
    response = platform.post(
        _tenant_path(tenant, "api-keys/"), {"name": "integration", "scopes": ["bets:read"], **payload}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_the_secret_is_in_the_create_response_only(platform, tenant):
    created = _create_through_api(platform, tenant)

    secret = created["key"]
    assert secret.startswith(created["prefix"] + "_")
    listed = platform.get(_tenant_path(tenant, "api-keys/"))
    assert listed.status_code == 200
    (row,) = [row for row in listed.json()["results"] if row["prefix"] == created["prefix"]]
    assert set(row) == set(created) - {"key"}
    assert secret not in listed.content.decode()
    assert secret[len(created["prefix"]) :] not in listed.content.decode()


def test_the_secret_is_stored_hashed_with_only_the_prefix_in_clear(platform, tenant):
    created = _create_through_api(platform, tenant)
    secret = created["key"]
    random_part = secret[len(created["prefix"]) + 1 :]

    api_key = ApiKey.objects.get(prefix=created["prefix"])
    assert api_key.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_to_json(k)::text FROM accounts_apikey k WHERE id = %s", [api_key.pk])
        (stored_row,) = cursor.fetchone()
        cursor.execute("SELECT coalesce(string_agg(row_to_json(e)::text, ''), '') FROM audit_auditevent e")
        (audit_rows,) = cursor.fetchone()
    assert created["prefix"] in stored_row
    assert random_part not in stored_row
    assert random_part not in audit_rows


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_a_key_authenticates_with_the_bearer_scheme(make_key, api_client, scheme):
    _, secret = make_key(["bets:read"])

    response = api_client.get(PLANS, HTTP_AUTHORIZATION=f"{scheme} {secret}")

    assert response.status_code == 200


@pytest.mark.parametrize(
    "header",
    [
        "Token {secret}",
        "Basic {secret}",
        "{secret}",
        "Bearer",
        "Bearer {secret} extra",
        "Bearer {secret}x",
        "Bearer {truncated}",
        "Bearer dbsbm_",
        "Bearer dbsbm_00000000_" + "a" * 5000,
        "Bearer énorme",
    ],
)
def test_a_key_sent_any_other_way_is_refused(make_key, api_client, header):
    _, secret = make_key(["bets:read"])
    before = take_snapshot()

    response = api_client.get(PLANS, HTTP_AUTHORIZATION=header.format(secret=secret, truncated=secret[:-1]))

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert snapshot_diff(before, take_snapshot()) == {}


def test_a_key_in_the_query_string_is_not_a_credential(make_key, api_client):
    _, secret = make_key(["bets:read"])

    response = api_client.get(f"{PLANS}?key={secret}&api_key={secret}")

    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")


def test_revocation_takes_effect_at_once(platform, tenant, client_with_key):
    created = _create_through_api(platform, tenant)
    client = client_with_key(created["key"])
    assert client.get(PLANS).status_code == 200

    revoked = platform.delete(
        _tenant_path(tenant, f"api-keys/{created['prefix']}/"), {"reason": "leaked"}, format="json"
    )

    assert revoked.status_code == 204
    response = client.get(PLANS)
    assert response.status_code == 401
    assert response.json() == {
        "code": "authentication_failed",
        "message": "This API key has been revoked.",
        "fields": {},
    }
    api_key = ApiKey.objects.get(prefix=created["prefix"])
    assert api_key.revoked_at is not None
    assert api_key.revoked_reason == "leaked"
    listed = platform.get(_tenant_path(tenant, "api-keys/")).json()["results"]
    (row,) = [row for row in listed if row["prefix"] == created["prefix"]]
    assert (row["revoked_at"] is not None, row["revoked_reason"]) == (True, "leaked")


def test_revoking_twice_records_one_event(platform, tenant):
    created = _create_through_api(platform, tenant)
    path = _tenant_path(tenant, f"api-keys/{created['prefix']}/")

    assert platform.delete(path).status_code == 204
    revoked_at = ApiKey.objects.get(prefix=created["prefix"]).revoked_at
    assert platform.delete(path).status_code == 204

    assert ApiKey.objects.get(prefix=created["prefix"]).revoked_at == revoked_at
    assert AuditEvent.objects.filter(action="accounts.api_key_revoked").count() == 1


def test_a_key_can_revoke_itself(make_key, client_with_key, tenant):
    api_key, secret = make_key(["tenants:admin"], tenant=tenant)
    client = client_with_key(secret)

    assert client.delete(_tenant_path(tenant, f"api-keys/{api_key.prefix}/")).status_code == 204

    assert client.get(PLANS).status_code == 401


def test_a_key_works_until_it_expires(make_key, client_with_key):
    api_key, secret = make_key(["bets:read"], expires_at=timezone.now() + timedelta(hours=1))
    client = client_with_key(secret)
    assert client.get(PLANS).status_code == 200

    ApiKey.objects.filter(pk=api_key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    response = client.get(PLANS)
    assert response.status_code == 401
    assert response.json() == {"code": "authentication_failed", "message": "This API key has expired.", "fields": {}}


def test_a_key_created_through_the_api_with_an_expiry_keeps_it(platform, tenant):
    expires_at = (timezone.now() + timedelta(days=30)).replace(microsecond=0)

    created = _create_through_api(platform, tenant, expires_at=expires_at.isoformat())

    assert ApiKey.objects.get(prefix=created["prefix"]).expires_at == expires_at


def test_last_used_at_is_recorded_at_most_once_per_resolution_window(make_key, client_with_key, monkeypatch):
    api_key, secret = make_key(["bets:read"])
    client = client_with_key(secret)
    assert api_key.last_used_at is None

    started = timezone.now()
    assert client.get(PLANS).status_code == 200
    api_key.refresh_from_db()
    first_use = api_key.last_used_at
    assert started <= first_use <= timezone.now()

    assert client.get(PLANS).status_code == 200
    api_key.refresh_from_db()
    assert api_key.last_used_at == first_use  # within the window: no write

    # the window passes (the key itself is cached, so the clock moves rather than the stored value)
    window = timedelta(seconds=settings.API_KEY_LAST_USED_RESOLUTION_SECONDS)
    later = timezone.now() + window + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert client.get(PLANS).status_code == 200
    api_key.refresh_from_db()
    assert api_key.last_used_at == later


def test_last_used_at_is_not_written_for_a_refused_key(make_key, client_with_key):
    api_key, secret = make_key(["bets:read"])
    ApiKey.objects.filter(pk=api_key.pk).update(revoked_at=timezone.now())

    assert client_with_key(secret).get(PLANS).status_code == 401

    api_key.refresh_from_db()
    assert api_key.last_used_at is None


def test_suspending_a_tenant_blocks_its_keys_and_reactivating_restores_them(
    platform, tenant, other_tenant, make_key, client_with_key
):
    _, tenant_secret = make_key(["tenants:read"], tenant=tenant)
    _, other_secret = make_key(["tenants:read"], tenant=other_tenant)
    client, other_client = client_with_key(tenant_secret), client_with_key(other_secret)
    assert client.get(_tenant_path(tenant)).status_code == 200

    assert platform.post(_tenant_path(tenant, "suspend/"), {"reason": "unpaid"}, format="json").status_code == 200

    blocked = client.get(_tenant_path(tenant))
    assert blocked.status_code == 403
    assert blocked.json()["code"] == "tenant_suspended"
    assert client.get(PLANS).status_code == 403
    assert other_client.get(_tenant_path(other_tenant)).status_code == 200
    assert platform.get(_tenant_path(tenant)).json()["status"] == "suspended"

    assert platform.post(_tenant_path(tenant, "reactivate/"), {}, format="json").status_code == 200

    assert client.get(_tenant_path(tenant)).status_code == 200


def test_offboarding_a_tenant_invalidates_its_keys_for_good(platform, tenant, make_key, client_with_key):
    _, secret = make_key(["tenants:read"], tenant=tenant)
    client = client_with_key(secret)

    response = platform.delete(_tenant_path(tenant), {"reason": "left the platform"}, format="json")

    assert response.status_code == 204
    refused = client.get(PLANS)
    assert (refused.status_code, refused.json()["code"]) == (401, "authentication_failed")
    reactivated = platform.post(_tenant_path(tenant, "reactivate/"), {}, format="json")
    assert (reactivated.status_code, reactivated.json()["code"]) == (404, "tenant_not_found")
    assert client.get(PLANS).status_code == 401


def test_a_tenant_key_minted_through_the_api_works_on_its_tenant_only(platform, tenant, other_tenant, client_with_key):
    created = _create_through_api(platform, tenant, scopes=["tenants:read"])
    client = client_with_key(created["key"])

    assert client.get(_tenant_path(tenant)).status_code == 200
    assert client.get(_tenant_path(other_tenant)).status_code == 404
    assert client.get("/api/v1/tenants/").status_code == 403


# --- manage.py create_api_key -----------------------------------------------------------------------


def _run_create_api_key(*args: str) -> list[str]:
    out = StringIO()
    call_command("create_api_key", *args, stdout=out)
    return out.getvalue().splitlines()


def test_create_api_key_prints_a_platform_key_alone_on_the_last_line(client_with_key):
    lines = _run_create_api_key("--name", "ops script", "--scopes", "tenants:read,audit:read")

    secret = lines[-1]
    api_key = ApiKey.objects.get()
    assert secret.startswith(api_key.prefix + "_") and " " not in secret
    assert (api_key.name, api_key.tenant_id, api_key.scopes) == ("ops script", None, ["audit:read", "tenants:read"])
    assert all(secret not in line for line in lines[:-1])
    client = client_with_key(secret)
    assert client.get("/api/v1/tenants/").status_code == 200
    assert client.get("/api/v1/audit-events/").status_code == 200


def test_create_api_key_ties_a_key_to_a_tenant(tenant, other_tenant, client_with_key):
    lines = _run_create_api_key("--name", "bot", "--tenant", tenant.guild_id, "--scopes", " tenants:read , bets:read ")

    api_key = ApiKey.objects.get()
    assert (api_key.tenant_id, api_key.scopes) == (tenant.pk, ["bets:read", "tenants:read"])
    client = client_with_key(lines[-1])
    assert client.get(_tenant_path(tenant)).status_code == 200
    assert client.get(_tenant_path(other_tenant)).status_code == 404
    event = AuditEvent.objects.get(action="accounts.api_key_created")
    assert (event.actor_kind, event.actor_label, event.guild_id) == (
        "system",
        "manage.py create_api_key",
        tenant.guild_id,
    )


def test_create_api_key_sets_an_expiry_in_days():
    started = timezone.now()

    _run_create_api_key("--name", "temp", "--scopes", "bets:read", "--expires-days", "7")

    expires_at = ApiKey.objects.get().expires_at
    assert started + timedelta(days=7) <= expires_at <= timezone.now() + timedelta(days=7)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scopes", "bets:read,bets:fly"], "Unknown scopes: bets:fly."),
        (["--scopes", "admin"], "Unknown scopes: admin."),
        (["--scopes", ""], "An API key needs at least one scope."),
        ([], "An API key needs at least one scope."),
        (["--scopes", "bets:read", "--tenant", "999999999999999999"], "No tenant with guild id 999999999999999999."),
        (["--scopes", "bets:read", "--expires-days", "-1"], "The expiry must be in the future."),
    ],
)
def test_create_api_key_refuses_bad_arguments_and_writes_nothing(tenant, args, message):
    before = take_snapshot()

    with pytest.raises(CommandError) as error:
        _run_create_api_key("--name", "bad", *args)

    assert str(error.value).startswith(message)
    assert snapshot_diff(before, take_snapshot()) == {}


def test_create_api_key_requires_a_name():
    with pytest.raises(CommandError, match="--name"):
        _run_create_api_key("--scopes", "bets:read")
    assert not ApiKey.objects.exists()
