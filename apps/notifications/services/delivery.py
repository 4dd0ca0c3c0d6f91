"""Sending one recorded delivery, exactly once: the row is locked, a final state is never sent again.

A failure is recorded with its error and retried with back-off (a new outbox row due at
`next_attempt_at`), until NOTIFICATIONS_MAX_ATTEMPTS attempts: then the delivery is given up. The
failure is recorded, never raised: the task's transaction (the outbox run) commits the record.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.core.models import OutboxMessage
from apps.notifications.channels import SENDERS, DeliveryError
from apps.notifications.choices import FINAL_DELIVERY_STATUSES, Channel, DeliveryStatus
from apps.notifications.models import Delivery

logger = logging.getLogger(__name__)

SEND_TASK = "apps.notifications.tasks.notification_delivery_send_task"


def delivery_schedule(*, delivery_id: int, at: datetime) -> OutboxMessage:
    """Ask for the delivery's task at `at` (the outbox dispatches it when due), in the current transaction."""
    return OutboxMessage.objects.create(task_name=SEND_TASK, args=[delivery_id], available_at=at)


def retry_delay(attempts: int) -> timedelta:
    """Back-off after the n-th failed attempt: base, 2 x base, 4 x base, ... at most an hour."""
    return timedelta(seconds=min(settings.NOTIFICATIONS_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), 3600))


def _failed(delivery: Delivery, error: DeliveryError, now: datetime) -> None:
    delivery.last_error = str(error)[:500]
    delivery.response_status = error.status
    if delivery.attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.GIVEN_UP, None
        logger.warning("notification delivery %s given up after %d attempts", delivery.pk, delivery.attempts)
        return
    delivery.status = DeliveryStatus.FAILED
    delivery.next_attempt_at = now + retry_delay(delivery.attempts)
    delivery_schedule(delivery_id=delivery.pk, at=delivery.next_attempt_at)
    logger.info("notification delivery %s failed (attempt %d), retried later", delivery.pk, delivery.attempts)


@transaction.atomic
def delivery_send(*, delivery_id: int, now: datetime | None = None) -> str:
    """Send a queued or failed delivery once it is due; a delivery already sent, delivered or given up is
    never sent again (a retried or duplicated task sends nothing). Returns the delivery's status."""
    delivery = (
        Delivery.objects.select_for_update(of=("self",))
        .select_related("notification", "webhook", "discord_channel")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None:
        return ""
    if delivery.status in FINAL_DELIVERY_STATUSES:
        return delivery.status
    now = now or timezone.now()
    due = delivery.next_attempt_at or delivery.not_before
    if due is not None and due > now:
        return delivery.status  # an early copy of the task: the scheduled one sends it
    delivery.attempts += 1
    try:
        status = SENDERS[delivery.channel](delivery, now=now)
    except DeliveryError as error:
        _failed(delivery, error, now)
    else:
        delivery.status = DeliveryStatus.SENT if delivery.channel == Channel.EMAIL else DeliveryStatus.DELIVERED
        delivery.response_status, delivery.sent_at = status, now
        delivery.last_error, delivery.next_attempt_at = "", None
    delivery.save()
    return delivery.status
