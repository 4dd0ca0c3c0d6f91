from decimal import Decimal

import pytest

from apps.audit.models import AuditEvent
from apps.core.errors import ApplicationError, ConflictError
from apps.tenants.choices import TenantStatus
from apps.tenants.models import Tenant
from apps.tenants.services import tenant_create, tenant_offboard, tenant_reactivate, tenant_suspend, tenant_update

pytestmark = pytest.mark.django_db


def test_tenant_create_records_an_audit_event(actor):
    tenant = tenant_create(actor=actor, guild_id="123456789012345678", name="Sharps", timezone_name="Europe/Paris")

    event = AuditEvent.objects.get(action="tenants.tenant_created")
    assert event.guild_id == tenant.guild_id
    assert event.target_id == str(tenant.pk)
    assert event.changes["name"] == {"before": None, "after": "Sharps"}


def test_tenant_create_refuses_a_registered_guild(actor, tenant):
    with pytest.raises(ConflictError):
        tenant_create(actor=actor, guild_id=tenant.guild_id, name="Again")
    assert Tenant.objects.count() == 1


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"timezone_name": "Mars/Olympus"}, "timezone"),
        ({"unit_min": Decimal("0")}, "unit_min"),
        ({"unit_min": Decimal("5"), "unit_max": Decimal("1")}, "unit_max"),
        ({"plan_code": "gold"}, "plan_code"),
    ],
)
def test_tenant_create_rejects_invalid_values(actor, values, field):
    with pytest.raises(ApplicationError) as error:
        tenant_create(actor=actor, guild_id="123456789012345678", name="Sharps", **values)
    assert field in error.value.fields
    assert not Tenant.objects.exists()
    assert not AuditEvent.objects.exists()


def test_tenant_update_records_only_changed_fields(actor, tenant):
    tenant_update(tenant=tenant, actor=actor, name="Renamed", timezone=tenant.timezone)

    event = AuditEvent.objects.get(action="tenants.tenant_updated")
    assert event.changes == {"name": {"before": "Home Guild", "after": "Renamed"}}


def test_tenant_update_checks_the_merged_unit_range(actor, tenant):
    with pytest.raises(ApplicationError):
        tenant_update(tenant=tenant, actor=actor, unit_max=tenant.unit_min - Decimal("0.01"))
    tenant.refresh_from_db()
    assert tenant.unit_max == Decimal("10.00")


def test_suspend_reactivate_offboard_lifecycle(actor, tenant):
    tenant = tenant_suspend(tenant=tenant, actor=actor, reason="chargeback")
    assert tenant.status == TenantStatus.SUSPENDED and tenant.suspended_at is not None

    tenant = tenant_reactivate(tenant=tenant, actor=actor)
    assert tenant.status == TenantStatus.ACTIVE and tenant.suspended_at is None

    tenant = tenant_offboard(tenant=tenant, actor=actor, reason="left the platform")
    assert tenant.status == TenantStatus.OFFBOARDED
    assert Tenant.objects.filter(pk=tenant.pk).exists()  # soft delete
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "tenants.tenant_suspended",
        "tenants.tenant_reactivated",
        "tenants.tenant_offboarded",
    ]


def test_suspending_twice_records_once(actor, tenant):
    tenant_suspend(tenant=tenant, actor=actor, reason="x")
    tenant_suspend(tenant=tenant, actor=actor, reason="x")
    assert AuditEvent.objects.filter(action="tenants.tenant_suspended").count() == 1


def test_offboarded_tenant_cannot_be_reactivated(actor, tenant):
    tenant_offboard(tenant=tenant, actor=actor, reason="gone")
    with pytest.raises(ConflictError):
        tenant_reactivate(tenant=tenant, actor=actor)
