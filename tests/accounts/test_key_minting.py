"""One minting rule everywhere (API, create_api_key, admin): apps/accounts/key_policy.py.

Platform-only scopes never go on a tenant key; a key mints only a subset of its own scopes, expiring no
later than itself, and its children are revoked with it; a staff user grants only what their own
permissions cover, and only superusers create platform keys.
"""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.accounts.choices import ApiScope
from apps.accounts.key_policy import PLATFORM_ONLY_SCOPES, SCOPE_PERMISSIONS, TENANT_SCOPES, is_platform_only
from apps.accounts.models import ApiKey
from apps.accounts.services import api_key_create, api_key_revoke
from apps.audit.models import AuditEvent
from apps.core.errors import ApplicationError
from tests.api.snapshots import snapshot_diff, take_snapshot

pytestmark = pytest.mark.django_db


def _keys_path(tenant) -> str:
    return f"/api/v1/tenants/{tenant.guild_id}/api-keys/"


def _mint(client, tenant, **payload):
    return client.post(_keys_path(tenant), {"name": "child", "scopes": ["bets:read"], **payload}, format="json")


def test_the_platform_only_scopes_are_exactly_these():
    assert sorted(PLATFORM_ONLY_SCOPES) == [
        "analytics:read",
        "compliance:read",
        "games:write",
        "incidents:read",
        "incidents:write",
        "metrics:read",
        "privacy:read",
        "privacy:write",
        "security:read",
        "security:write",
    ]
    assert is_platform_only("security:anything-new") and is_platform_only("compliance:write")
    assert is_platform_only("analytics:write")  # a tenant reads its own metrics with bets:read
    assert not is_platform_only("audit:read")  # on a tenant key it reads that tenant's own trail only
    assert set(TENANT_SCOPES) == set(ApiScope.values) - PLATFORM_ONLY_SCOPES


def test_every_scope_maps_to_permissions_that_exist():
    assert set(SCOPE_PERMISSIONS) == set(ApiScope.values)
    for scope, names in SCOPE_PERMISSIONS.items():
        assert names, scope
        for name in names:
            app_label, codename = name.split(".")
            assert Permission.objects.filter(content_type__app_label=app_label, codename=codename).exists(), name


@pytest.mark.parametrize("scope", sorted(PLATFORM_ONLY_SCOPES))
def test_the_service_refuses_a_platform_only_scope_on_a_tenant_key(tenant, actor, scope):
    before = take_snapshot()

    with pytest.raises(ApplicationError) as error:
        api_key_create(actor=actor, name="bot", scopes=["bets:read", scope], tenant=tenant)

    assert (error.value.status_code, error.value.code) == (400, "platform_only_scope")
    assert error.value.message == (
        f"A tenant key cannot hold platform-only scopes: {scope}. "
        "Create a platform key (no tenant) for them, or leave them out."
    )
    assert error.value.fields == {"scopes": [f"{scope} is platform-only."]}
    assert snapshot_diff(before, take_snapshot()) == {}


def test_a_platform_key_may_hold_platform_only_scopes(actor):
    api_key, _ = api_key_create(actor=actor, name="feed", scopes=sorted(PLATFORM_ONLY_SCOPES))

    assert api_key.tenant_id is None and api_key.scopes == sorted(PLATFORM_ONLY_SCOPES)


def test_a_tenant_key_row_with_a_platform_scope_written_before_the_rule_holds_no_such_scope(tenant, actor):
    api_key, _ = api_key_create(actor=actor, name="legacy", scopes=["bets:read"], tenant=tenant)
    ApiKey.objects.filter(pk=api_key.pk).update(scopes=["bets:read", "games:write"])
    api_key.refresh_from_db()

    assert api_key.has_scope("bets:read") and not api_key.has_scope("games:write")


# --- through the API ------------------------------------------------------------------------------


def test_a_platform_key_with_only_tenants_admin_cannot_mint_other_scopes(tenant, make_key, client_with_key):
    """The reproduced hole: a platform key holding tenants:admin alone minted keys with any scope."""
    _, secret = make_key(["tenants:admin"], name="admin only")
    before = take_snapshot()

    response = _mint(client_with_key(secret), tenant, scopes=["bets:write", "bets:settle"])

    assert response.status_code == 403
    assert response.json() == {
        "code": "scope_escalation",
        "message": "This key cannot grant scopes it does not hold: bets:settle, bets:write.",
        "fields": {},
    }
    assert snapshot_diff(before, take_snapshot()) == {}


@pytest.mark.parametrize("scope", ["games:write", "security:read", "privacy:write", "metrics:read", "compliance:read"])
def test_even_a_full_platform_key_cannot_mint_a_platform_only_scope_for_a_tenant(
    tenant, make_key, client_with_key, scope
):
    _, secret = make_key(ApiScope.values, name="platform")
    before = take_snapshot()

    response = _mint(client_with_key(secret), tenant, scopes=["bets:read", scope])

    assert response.status_code == 400
    assert response.json()["code"] == "platform_only_scope"
    assert response.json()["fields"] == {"scopes": [f"{scope} is platform-only."]}
    assert snapshot_diff(before, take_snapshot()) == {}


def test_a_minted_key_records_its_parent(tenant, make_key, client_with_key):
    parent, secret = make_key(["tenants:admin", "bets:read"], tenant=tenant, name="parent")

    response = _mint(client_with_key(secret), tenant)

    assert response.status_code == 201
    child = ApiKey.objects.get(prefix=response.json()["prefix"])
    assert (child.parent_id, child.tenant_id, child.scopes) == (parent.pk, tenant.pk, ["bets:read"])
    assert response.json()["parent"] == parent.prefix


def test_a_key_without_expiry_may_mint_any_expiry(tenant, make_key, client_with_key):
    _, secret = make_key(["tenants:admin", "bets:read"], tenant=tenant)
    later = timezone.now() + timedelta(days=3650)

    response = _mint(client_with_key(secret), tenant, expires_at=later.isoformat())

    assert response.status_code == 201
    assert ApiKey.objects.get(prefix=response.json()["prefix"]).expires_at == later


@pytest.mark.parametrize("child_expiry", [None, "after"])
def test_an_expiring_key_cannot_mint_a_key_that_outlives_it(tenant, make_key, client_with_key, child_expiry):
    parent_expiry = timezone.now() + timedelta(days=7)
    _, secret = make_key(["tenants:admin", "bets:read"], tenant=tenant, expires_at=parent_expiry)
    payload = {} if child_expiry is None else {"expires_at": (parent_expiry + timedelta(seconds=1)).isoformat()}
    before = take_snapshot()

    response = _mint(client_with_key(secret), tenant, **payload)

    assert response.status_code == 403
    assert response.json() == {
        "code": "expiry_escalation",
        "message": f"This key expires at {parent_expiry.isoformat()}; the key it mints must expire no later.",
        "fields": {"expires_at": [f"Must be set, and no later than {parent_expiry.isoformat()}."]},
    }
    assert snapshot_diff(before, take_snapshot()) == {}


def test_an_expiring_key_may_mint_a_key_expiring_with_it(tenant, make_key, client_with_key):
    parent_expiry = timezone.now() + timedelta(days=7)
    _, secret = make_key(["tenants:admin", "bets:read"], tenant=tenant, expires_at=parent_expiry)

    response = _mint(client_with_key(secret), tenant, expires_at=parent_expiry.isoformat())

    assert response.status_code == 201
    assert ApiKey.objects.get(prefix=response.json()["prefix"]).expires_at == parent_expiry


def test_revoking_a_key_revokes_its_descendants_each_with_an_audit_event(tenant, actor, make_key, client_with_key):
    root, root_secret = make_key(["tenants:admin", "bets:read"], tenant=tenant, name="root")
    child_body = _mint(client_with_key(root_secret), tenant, scopes=["tenants:admin", "bets:read"]).json()
    grandchild_body = _mint(client_with_key(child_body["key"]), tenant).json()
    sibling, _ = make_key(["bets:read"], tenant=tenant, name="unrelated")

    api_key_revoke(api_key=root, actor=actor, reason="leaked")

    child = ApiKey.objects.get(prefix=child_body["prefix"])
    grandchild = ApiKey.objects.get(prefix=grandchild_body["prefix"])
    assert all(key.revoked_at is not None for key in (child, grandchild))
    assert (child.revoked_reason, grandchild.revoked_reason) == (
        f"parent key {root.prefix} revoked: leaked",
        f"parent key {child.prefix} revoked: parent key {root.prefix} revoked: leaked",
    )
    assert ApiKey.objects.get(pk=sibling.pk).revoked_at is None
    revoked = AuditEvent.objects.filter(action="accounts.api_key_revoked").order_by("pk")
    assert [event.target_id for event in revoked] == [str(root.pk), str(child.pk), str(grandchild.pk)]
    assert client_with_key(grandchild_body["key"]).get(_keys_path(tenant)).status_code == 401


# --- manage.py create_api_key ---------------------------------------------------------------------


def test_create_api_key_refuses_a_platform_only_scope_on_a_tenant_key(tenant):
    before = take_snapshot()

    with pytest.raises(CommandError) as error:
        call_command(
            "create_api_key", "--name", "bot", "--tenant", tenant.guild_id, "--scopes", "games:write", stdout=StringIO()
        )

    assert str(error.value) == (
        "A tenant key cannot hold platform-only scopes: games:write. "
        "Create a platform key (no tenant) for them, or leave them out."
    )
    assert snapshot_diff(before, take_snapshot()) == {}
