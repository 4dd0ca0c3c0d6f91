"""Every state change of a tenant: one transaction, invariants, an audit event."""

import json
import zoneinfo
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record, field_changes
from apps.core.actors import Actor
from apps.core.cache import cache_bump
from apps.core.errors import ApplicationError, ConflictError
from apps.tenants.choices import PlanCode, TenantStatus
from apps.tenants.models import Tenant
from apps.tenants.origins import SETTING as CORS_SETTING
from apps.tenants.origins import cors_origins_problems

EDITABLE_FIELDS = ("name", "plan_code", "timezone", "unit_min", "unit_max", "settings")
MAX_SETTINGS_BYTES = 16 * 1024


def _validate(values: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    if "timezone" in values and values["timezone"] not in zoneinfo.available_timezones():
        errors["timezone"] = [
            _("Unknown time zone %(timezone)r; use an IANA name like Europe/London.") % {"timezone": values["timezone"]}
        ]
    if "plan_code" in values and values["plan_code"] not in PlanCode.values:
        errors["plan_code"] = [_("Unknown plan; choose one of %(values)s.") % {"values": ", ".join(PlanCode.values)}]
    unit_min, unit_max = values.get("unit_min"), values.get("unit_max")
    if unit_min is not None and unit_min <= 0:
        errors["unit_min"] = [_("Must be greater than 0.")]
    if unit_min is not None and unit_max is not None and unit_max < unit_min:
        errors["unit_max"] = [_("Must be at least unit_min.")]
    if "settings" in values:
        if not isinstance(values["settings"], dict):
            errors["settings"] = [_("Must be a JSON object.")]
        elif len(json.dumps(values["settings"])) > MAX_SETTINGS_BYTES:
            errors["settings"] = [
                _("Must be at most %(max_settings_bytes)s bytes of JSON.") % {"max_settings_bytes": MAX_SETTINGS_BYTES}
            ]
        elif origins_problems := cors_origins_problems(values["settings"].get(CORS_SETTING, [])):
            errors["settings"] = origins_problems
    if errors:
        raise ApplicationError(
            _("The tenant is invalid: %(fields)s.") % {"fields": ", ".join(sorted(errors))}, fields=errors
        )


def _snapshot(tenant: Tenant) -> dict[str, Any]:
    return {name: getattr(tenant, name) for name in (*EDITABLE_FIELDS, "status")}


@transaction.atomic
def tenant_create(
    *,
    actor: Actor,
    guild_id: str,
    name: str,
    plan_code: str = PlanCode.FREE,
    timezone_name: str = "UTC",
    unit_min: Decimal = Decimal("0.10"),
    unit_max: Decimal = Decimal("10.00"),
    settings: dict | None = None,
) -> Tenant:
    """Register a guild as a tenant; a guild id is registered at most once (even when offboarded)."""
    values = {
        "name": name,
        "plan_code": plan_code,
        "timezone": timezone_name,
        "unit_min": unit_min,
        "unit_max": unit_max,
        "settings": settings or {},
    }
    _validate(values)
    if Tenant.objects.filter(guild_id=guild_id).exists():
        raise ConflictError(_("Guild %(guild_id)s is already a tenant.") % {"guild_id": guild_id}, code="tenant_exists")
    try:
        with transaction.atomic():
            tenant = Tenant.objects.create(guild_id=guild_id, **values)
    except IntegrityError:  # a concurrent create of the same guild won the race
        raise ConflictError(
            _("Guild %(guild_id)s is already a tenant.") % {"guild_id": guild_id}, code="tenant_exists"
        ) from None
    cache_bump("tenant")
    audit_record(
        actor=actor,
        action="tenants.tenant_created",
        target=tenant,
        guild_id=tenant.guild_id,
        changes=field_changes({}, _snapshot(tenant)),
    )
    return tenant


def _locked(tenant: Tenant) -> Tenant:
    return Tenant.objects.select_for_update().get(pk=tenant.pk)


@transaction.atomic
def tenant_update(*, tenant: Tenant, actor: Actor, reason: str = "", **changes: Any) -> Tenant:
    """Change a tenant's editable fields; the unit range is checked against the merged values."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ApplicationError(
            _("These tenant fields cannot be changed here: %(unknown)s.") % {"unknown": ", ".join(sorted(unknown))}
        )
    tenant = _locked(tenant)
    if tenant.status == TenantStatus.OFFBOARDED:
        raise ConflictError(_("An offboarded tenant cannot be changed."), code="tenant_offboarded")
    before = _snapshot(tenant)
    _validate({**before, **changes})
    for name, value in changes.items():
        setattr(tenant, name, value)
    diff = field_changes(before, _snapshot(tenant))
    if not diff:
        return tenant
    tenant.save(update_fields=[*changes, "updated_at"])
    cache_bump("tenant")
    audit_record(
        actor=actor,
        action="tenants.tenant_updated",
        target=tenant,
        guild_id=tenant.guild_id,
        changes=diff,
        reason=reason,
    )
    return tenant


def _transition(*, tenant: Tenant, actor: Actor, to: str, allowed_from: set[str], action: str, reason: str) -> Tenant:
    tenant = _locked(tenant)
    if tenant.status == to:
        return tenant  # idempotent: repeating the request changes nothing and records nothing
    if tenant.status not in allowed_from:
        raise ConflictError(
            _("A tenant that is %(status)s cannot become %(to)s.") % {"status": tenant.status, "to": to},
            code="invalid_status_transition",
        )
    before = _snapshot(tenant)
    now = timezone.now()
    tenant.status = to
    tenant.suspended_at = now if to == TenantStatus.SUSPENDED else None
    if to == TenantStatus.OFFBOARDED:
        tenant.offboarded_at = now
    tenant.save(update_fields=["status", "suspended_at", "offboarded_at", "updated_at"])
    cache_bump("tenant")
    audit_record(
        actor=actor,
        action=action,
        target=tenant,
        guild_id=tenant.guild_id,
        changes=field_changes(before, _snapshot(tenant)),
        reason=reason,
    )
    return tenant


@transaction.atomic
def tenant_suspend(*, tenant: Tenant, actor: Actor, reason: str) -> Tenant:
    """Suspend a tenant: its API keys stop working until it is reactivated."""
    if not reason.strip():
        raise ApplicationError(_("A reason is required to suspend a tenant."), fields={"reason": [_("Required.")]})
    return _transition(
        tenant=tenant,
        actor=actor,
        to=TenantStatus.SUSPENDED,
        allowed_from={TenantStatus.ACTIVE},
        action="tenants.tenant_suspended",
        reason=reason,
    )


@transaction.atomic
def tenant_reactivate(*, tenant: Tenant, actor: Actor, reason: str = "") -> Tenant:
    """Lift a suspension."""
    return _transition(
        tenant=tenant,
        actor=actor,
        to=TenantStatus.ACTIVE,
        allowed_from={TenantStatus.SUSPENDED},
        action="tenants.tenant_reactivated",
        reason=reason,
    )


@transaction.atomic
def tenant_offboard(*, tenant: Tenant, actor: Actor, reason: str) -> Tenant:
    """Soft-delete a tenant: the row and its history stay, it disappears from the API for good."""
    if not reason.strip():
        raise ApplicationError(_("A reason is required to offboard a tenant."), fields={"reason": [_("Required.")]})
    return _transition(
        tenant=tenant,
        actor=actor,
        to=TenantStatus.OFFBOARDED,
        allowed_from={TenantStatus.ACTIVE, TenantStatus.SUSPENDED},
        action="tenants.tenant_offboarded",
        reason=reason,
    )
