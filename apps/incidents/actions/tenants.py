"""Suspend the incident's tenant (its API keys stop working); undone by reactivating it."""

from typing import Any

from apps.core.actors import Actor
from apps.incidents.actions.base import ActionFailedError, ActionOutcome, register_action
from apps.incidents.actions.targets import incident_tenants
from apps.incidents.choices import StepAction
from apps.incidents.models import StepRun
from apps.tenants.choices import TenantStatus
from apps.tenants.models import Tenant
from apps.tenants.services import tenant_reactivate, tenant_suspend


def _reactivate(run: StepRun, actor: Actor) -> dict[str, Any]:
    guild_ids = run.undo.get("guild_ids", [])
    for tenant in Tenant.objects.filter(guild_id__in=guild_ids, status=TenantStatus.SUSPENDED).order_by("pk"):
        tenant_reactivate(tenant=tenant, actor=actor, reason=f"{run.incident.reference}: step undone")
    return {"reactivated": guild_ids}


@register_action(StepAction.SUSPEND_TENANT, undo=_reactivate)
def suspend_tenant(run: StepRun, actor: Actor) -> ActionOutcome:
    """Suspend each active tenant the incident names; one already suspended is reported and left as it is
    (undo reactivates only the tenants this step suspended)."""
    tenants = incident_tenants(run)
    if not tenants:
        return ActionOutcome(result={"message": "The incident names no tenant."}, skipped=True)
    suspended, already = [], []
    for tenant in tenants:
        if tenant.status == TenantStatus.SUSPENDED:
            already.append(tenant.guild_id)
            continue
        if tenant.status != TenantStatus.ACTIVE:
            raise ActionFailedError(f"Tenant {tenant.guild_id} is {tenant.status}; only an active tenant is suspended.")
        tenant_suspend(tenant=tenant, actor=actor, reason=f"{run.incident.reference}: {run.step.title}"[:200])
        suspended.append(tenant.guild_id)
    return ActionOutcome(
        result={"suspended": suspended, "already_suspended": already},
        undo={"guild_ids": suspended} if suspended else {},
    )
