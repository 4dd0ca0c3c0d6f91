"""Domain signals → tenants' webhook events (connected by apps/integration/receivers.py).

Every receiver runs inside the change's transaction (the domain signals are sent there: apps/core/outbox.py)
and stays cheap: one indexed query to see whether any concerned tenant subscribes to the type, then an outbox
row for `webhook_event_fanout_task`, published after commit. A rolled-back change tells nobody; the payload
is built by the task (fanout.py), never in the request.
"""

from django.dispatch import receiver

from apps.betting.signals import bet_placed, bet_settled, bets_graded, bets_imported, game_finalized
from apps.compliance.choices import CheckStatus
from apps.compliance.signals import check_run_recorded
from apps.core.enqueue import enqueue
from apps.fraud.signals import fraud_case_opened
from apps.incidents.choices import TimelineKind
from apps.incidents.signals import incident_opened, incident_timeline_added
from apps.integration.webhooks.fanout import subscribed_anywhere
from apps.integration.webhooks.tasks import webhook_event_fanout_task
from apps.notifications.choices import WebhookEventType as Type
from apps.privacy.choices import RequestStatus
from apps.privacy.signals import data_subject_request_changed
from apps.tenants.models import Tenant


def _fan_out(event_type: str, *, tenant_ids: list[int] | None = None, **arguments) -> None:
    if subscribed_anywhere(event_type=event_type, tenant_ids=tenant_ids):
        enqueue(webhook_event_fanout_task, event_type, arguments)


@receiver(bet_placed, dispatch_uid="integration.webhooks.bet_placed")
def bet_placed_webhook(sender, bet_id: int, tenant_id: int, **kwargs) -> None:
    _fan_out(Type.BET_PLACED, tenant_ids=[tenant_id], bet_ids=[bet_id])


@receiver(bets_imported, dispatch_uid="integration.webhooks.bets_imported")
def bets_imported_webhook(sender, bet_ids: list[int], tenant_id: int, **kwargs) -> None:
    """A bulk import: one task for its bets (each gets its own bet.placed)."""
    _fan_out(Type.BET_PLACED, tenant_ids=[tenant_id], bet_ids=list(bet_ids))


@receiver(bet_settled, dispatch_uid="integration.webhooks.bet_settled")
def bet_settled_webhook(sender, bet_id: int, tenant_id: int, graded_in_pass: bool = False, **kwargs) -> None:
    if not graded_in_pass:  # an auto-grading pass tells its bets at once (bets_graded)
        _fan_out(Type.BET_SETTLED, tenant_ids=[tenant_id], bet_ids=[bet_id])


@receiver(bets_graded, dispatch_uid="integration.webhooks.bets_graded")
def bets_graded_webhook(sender, bet_tenants: dict[int, int], **kwargs) -> None:
    """One grading pass: one task per tenant that subscribes, for its bets of the pass."""
    by_tenant: dict[int, list[int]] = {}
    for bet_id, tenant_id in bet_tenants.items():
        by_tenant.setdefault(tenant_id, []).append(bet_id)
    for tenant_id, bet_ids in sorted(by_tenant.items()):
        _fan_out(Type.BET_SETTLED, tenant_ids=[tenant_id], bet_ids=sorted(bet_ids))


@receiver(game_finalized, dispatch_uid="integration.webhooks.game_finalized")
def game_finalized_webhook(sender, game_id: int, **kwargs) -> None:
    _fan_out(Type.GAME_FINAL, game_id=game_id)  # the task finds the tenants with bets on the game


@receiver(fraud_case_opened, dispatch_uid="integration.webhooks.fraud_case_opened")
def fraud_case_opened_webhook(sender, case_id: int, guild_id: str = "", **kwargs) -> None:
    tenant_id = Tenant.objects.filter(guild_id=guild_id).values_list("pk", flat=True).first() if guild_id else None
    if tenant_id is not None:
        _fan_out(Type.FRAUD_CASE_OPENED, tenant_ids=[tenant_id], case_id=case_id, guild_id=guild_id)


@receiver(incident_opened, dispatch_uid="integration.webhooks.incident_opened")
def incident_opened_webhook(sender, incident, **kwargs) -> None:
    _fan_out(Type.INCIDENT_OPENED, incident_id=incident.pk)


@receiver(incident_timeline_added, dispatch_uid="integration.webhooks.incident_escalated")
def incident_escalated_webhook(sender, incident, entry, **kwargs) -> None:
    """An escalation to a next level (the timeline's `escalated` line with a target level; the line that says
    no level is left names none)."""
    level = (entry.data or {}).get("to_level")
    if entry.kind == TimelineKind.ESCALATED and level is not None:
        _fan_out(Type.INCIDENT_ESCALATED, incident_id=incident.pk, level=level)


@receiver(check_run_recorded, dispatch_uid="integration.webhooks.check_run_recorded")
def check_failed_webhook(sender, check_run_id: int, status: str, previous_status: str | None = None, **kwargs) -> None:
    if status == CheckStatus.FAIL:
        _fan_out(Type.COMPLIANCE_CHECK_FAILED, check_run_id=check_run_id, previous_status=previous_status)


@receiver(data_subject_request_changed, dispatch_uid="integration.webhooks.dsr_completed")
def dsr_completed_webhook(sender, request_id: int, guild_id: str, status: str, **kwargs) -> None:
    if status == RequestStatus.COMPLETED:
        tenant_id = Tenant.objects.filter(guild_id=guild_id).values_list("pk", flat=True).first()
        _fan_out(Type.DSR_COMPLETED, tenant_ids=[tenant_id] if tenant_id else [], request_id=request_id)
