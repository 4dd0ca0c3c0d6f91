"""The lean path of a tenant's webhook event (issue #15): one Notification (the event, by its key) and one
webhook Delivery per subscribed endpoint of the tenant, sent by the delivery tasks through the outbox.

No templates, no inbox, no e-mail: the payload is the event's `data` (ids and labels the tenant owns),
wrapped by the sender in the Standard Webhooks envelope (`type`, `timestamp`, `data`). A tenant's
subscription names its event types explicitly, so the platform's own notification kinds (fraud_case_opened,
incident_opened, ...), which `notification_send` offers to endpoints that name no kind, never reach it.
"""

from collections.abc import Iterable, Mapping

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.enqueue import enqueue
from apps.notifications.choices import Channel, Severity
from apps.notifications.models import Delivery, Notification, WebhookEndpoint
from apps.notifications.tasks import notification_delivery_send_task


def webhook_subscribers(*, tenant_id: int, event_type: str) -> list[WebhookEndpoint]:
    """The tenant's active subscriptions that name `event_type` (filtered here: JSON containment is not
    portable to the embedded SQLite; a tenant has a handful of endpoints)."""
    rows = WebhookEndpoint.objects.filter(tenant_id=tenant_id, is_active=True, subscribed=True).order_by("pk")
    return [row for row in rows if event_type in row.event_kinds]


@transaction.atomic
def webhook_event_publish(
    *,
    tenant_id: int,
    guild_id: str,
    event_type: str,
    key: str,
    data: Mapping,
    endpoint_ids: Iterable[int] | None = None,
) -> Notification | None:
    """Record the event once (a key seen before creates nothing: None) with a delivery to each subscriber, or
    to the given endpoints of the tenant only (a test event); None as well when nobody is to be told."""
    if endpoint_ids is None:
        endpoints = webhook_subscribers(tenant_id=tenant_id, event_type=event_type)
    else:
        endpoints = list(WebhookEndpoint.objects.filter(tenant_id=tenant_id, pk__in=list(endpoint_ids)))
    if not endpoints:
        return None
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                key=key[:200],
                kind=event_type,
                severity=Severity.INFO,
                guild_id=guild_id,
                subject=f"{event_type} ({guild_id})"[:300],
                text="",
                payload=dict(data),
                created_at=timezone.now(),
            )
    except IntegrityError:
        return None  # told already (a retried fan-out)
    deliveries = Delivery.objects.bulk_create(
        Delivery(
            notification=notification, key=f"{notification.key}:webhook:{row.pk}", channel=Channel.WEBHOOK, webhook=row
        )
        for row in endpoints
    )
    for delivery in deliveries:
        enqueue(notification_delivery_send_task, delivery.pk)
    return notification
