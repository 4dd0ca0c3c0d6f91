"""The admin follows the one minting rule (apps/accounts/key_policy.py): a staff user is offered and may
grant only the scopes their own permissions cover, only superusers create platform keys, and no
platform-only scope goes on a tenant key (the form offers the rule's answer; the service decides)."""

import pytest
from django.contrib.auth.models import Permission

from apps.accounts.choices import StaffRole
from apps.accounts.models import ApiKey
from apps.accounts.services import api_key_create
from apps.core.errors import ApplicationError
from tests.admin.helpers import admin_url, messages_of
from tests.api.snapshots import snapshot_diff, take_snapshot

pytestmark = pytest.mark.django_db


def _admin_add(client, **changes):
    data = {"name": "bot", "scopes": ["bets:read"], "expires_at_0": "", "expires_at_1": "", **changes}
    return client.post(admin_url(ApiKey, "add"), data, follow=True)


@pytest.fixture
def ops_client(staff_user, staff_client):
    return staff_client(staff_user(StaffRole.OPS, username="ops"))


def test_ops_may_create_a_tenant_key_with_scopes_their_permissions_cover(tenant, ops_client):
    response = _admin_add(ops_client, tenant=tenant.pk, scopes=["bets:read", "members:read", "tenants:admin"])

    assert response.status_code == 200
    api_key = ApiKey.objects.get()
    assert (api_key.tenant_id, api_key.scopes, api_key.created_by) == (
        tenant.pk,
        ["bets:read", "members:read", "tenants:admin"],
        "ops",
    )


def test_staff_cannot_grant_a_scope_beyond_their_permissions(tenant, staff_user, staff_client):
    user = staff_user(StaffRole.OPS, username="narrow")
    user.groups.clear()
    user.user_permissions.set(
        Permission.objects.filter(
            codename__in=["add_apikey", "change_apikey", "view_apikey", "view_bet", "view_ledgerentry"]
        )
    )
    client = staff_client(user)
    before = take_snapshot()

    response = _admin_add(client, tenant=tenant.pk, scopes=["bets:read", "members:read"])

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["scopes"] == [
        "Select a valid choice. members:read is not one of the available choices."
    ]
    assert snapshot_diff(before, take_snapshot()) == {}


def test_the_service_refuses_a_staff_grant_beyond_their_permissions(tenant, actor, staff_user):
    user = staff_user(StaffRole.SUPPORT, username="support")
    before = take_snapshot()

    with pytest.raises(ApplicationError) as error:
        api_key_create(
            actor=actor,
            name="bot",
            scopes=["bets:read", "tenants:admin"],
            tenant=tenant,
            granting_user=user,
        )

    assert (error.value.status_code, error.value.code) == (403, "scope_escalation")
    assert error.value.message.startswith("You cannot grant scopes your own permissions do not cover: tenants:admin")
    assert snapshot_diff(before, take_snapshot()) == {}


def test_only_a_superuser_creates_a_platform_key_in_the_admin(ops_client):
    before = take_snapshot()

    response = _admin_add(ops_client, tenant="", scopes=["bets:read"])

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["tenant"] == ["Only a superuser can create a platform key."]
    assert snapshot_diff(before, take_snapshot()) == {}


def test_a_superuser_creates_a_platform_key_with_any_scope_in_the_admin(superuser_client):
    client = superuser_client

    response = _admin_add(client, tenant="", scopes=["games:write", "security:read"])

    assert response.status_code == 200
    assert any("Copy it now" in message for message in messages_of(response))
    api_key = ApiKey.objects.get()
    assert (api_key.tenant_id, api_key.scopes) == (None, ["games:write", "security:read"])


def test_the_admin_refuses_a_platform_only_scope_on_a_tenant_key_even_for_a_superuser(tenant, superuser_client):
    client = superuser_client
    before = take_snapshot()

    response = _admin_add(client, tenant=tenant.pk, scopes=["bets:read", "games:write"])

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["scopes"] == ["games:write is platform-only."]
    assert snapshot_diff(before, take_snapshot()) == {}
