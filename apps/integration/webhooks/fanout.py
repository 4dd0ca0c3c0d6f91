"""Turning a domain event into tenants' webhook deliveries, in a worker after the change committed.

The receivers (receivers.py) only check, with one indexed query, that some tenant subscribes to the type,
then enqueue `webhook_event_fanout_task` in the change's transaction (an outbox row): the request that placed
a bet pays that and nothing else. The task reads the objects, builds each tenant's payload (events.py) and
records the event with one delivery per subscribed endpoint (the notification layer's lean path).
"""

from collections.abc import Iterator

from django.db import transaction

from apps.integration.webhooks import events
from apps.notifications.choices import WebhookEventType
from apps.notifications.models import WebhookEndpoint
from apps.notifications.services import WebhookEvent, webhook_events_publish

Type = WebhookEventType


def subscribed_anywhere(*, event_type: str, tenant_ids: list[int] | None = None) -> bool:
    """Whether an active subscription (of these tenants, or of any tenant) names the type: one query on the
    tenant index, so that a tenant without webhooks costs a placing request nothing more."""
    rows = WebhookEndpoint.objects.filter(is_active=True, subscribed=True).exclude(tenant=None)
    if tenant_ids is not None:
        rows = rows.filter(tenant_id__in=tenant_ids)
    return any(event_type in kinds for kinds in rows.values_list("event_kinds", flat=True))


def _events(event_type: str, arguments: dict) -> Iterator[events.Event]:
    if event_type == Type.BET_PLACED:
        return events.bet_placed_events(bet_ids=arguments["bet_ids"])
    if event_type == Type.BET_SETTLED:
        return events.bet_settled_events(bet_ids=arguments["bet_ids"])
    if event_type == Type.GAME_FINAL:
        return events.game_final_events(game_id=arguments["game_id"])
    if event_type == Type.FRAUD_CASE_OPENED:
        return events.fraud_case_opened_events(case_id=arguments["case_id"], guild_id=arguments["guild_id"])
    if event_type in (Type.INCIDENT_OPENED, Type.INCIDENT_ESCALATED):
        return events.incident_events(
            incident_id=arguments["incident_id"], event_type=event_type, level=arguments.get("level")
        )
    if event_type == Type.COMPLIANCE_CHECK_FAILED:
        return events.check_failed_events(
            check_run_id=arguments["check_run_id"], previous_status=arguments.get("previous_status")
        )
    if event_type == Type.DSR_COMPLETED:
        return events.dsr_completed_events(request_id=arguments["request_id"])
    raise ValueError(f"Unknown webhook event type {event_type!r}.")


@transaction.atomic
def webhook_event_fanout(*, event_type: str, arguments: dict) -> int:
    """Record the event for every tenant it concerns that subscribes to it (all of them in a few statements);
    returns the deliveries created. Safe to run twice: an event's key is recorded once."""
    events = [
        WebhookEvent(tenant_id=tenant.pk, guild_id=tenant.guild_id, event_type=event_type, key=key, data=data)
        for tenant, key, data in _events(event_type, arguments)
    ]
    return len(webhook_events_publish(events=events))
