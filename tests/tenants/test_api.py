import pytest

from apps.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_a_tenant_key_cannot_change_its_own_plan(tenant, make_key, client_with_key):
    _, secret = make_key(["tenants:admin"], tenant=tenant)

    response = client_with_key(secret).patch(
        f"/api/v1/tenants/{tenant.guild_id}/", {"plan_code": "enterprise"}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "plan_change_forbidden"
    tenant.refresh_from_db()
    assert tenant.plan_code == "free"
    assert not AuditEvent.objects.filter(action="tenants.tenant_updated").exists()


def test_a_platform_key_changes_a_tenant_plan(tenant, make_key, client_with_key):
    _, secret = make_key(["tenants:admin"])

    response = client_with_key(secret).patch(
        f"/api/v1/tenants/{tenant.guild_id}/", {"plan_code": "platinum", "reason": "upgrade paid"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["plan"]["api_calls_per_minute"] == 1200
    event = AuditEvent.objects.get(action="tenants.tenant_updated")
    assert event.changes == {"plan_code": {"before": "free", "after": "platinum"}}
    assert event.reason == "upgrade paid"
