"""Sending one recorded delivery, exactly once: the row is locked, a final state is never sent again.

A failure is recorded with its error and retried with back-off (a new outbox row due at
`next_attempt_at`), until NOTIFICATIONS_MAX_ATTEMPTS attempts: then the delivery is given up. The
failure is recorded, never raised: the task's transaction (the outbox run) commits the record.
A webhook delivery follows its own rules (services/webhook_delivery.py): an in-flight cap per endpoint,
jittered back-off, a dead letter after WEBHOOK_MAX_ATTEMPTS, a manual replay (`webhook_delivery_replay`).
"""

import logging
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from apps.audit.services import audit_record
from apps.core.actors import Actor
from apps.core.errors import ConflictError
from apps.core.models import OutboxMessage
from apps.core.outbox import outbox_dispatch_after_commit, outbox_publish_at
from apps.notifications.channels import SENDERS, DeliveryError
from apps.notifications.choices import FINAL_DELIVERY_STATUSES, Channel, DeliveryStatus
from apps.notifications.models import Delivery, WebhookEndpoint
from apps.notifications.services.webhook_delivery import (
    InFlightSlot,
    parked_fallback_delay,
    webhook_delivered,
    webhook_failed,
)

logger = logging.getLogger(__name__)

SEND_TASK = "apps.notifications.tasks.notification_delivery_send_task"
BATCH_SEND_TASK = "apps.notifications.tasks.webhook_deliveries_send_task"
# what an attempt changes (an UPDATE of these only)
ATTEMPT_FIELDS = ["status", "attempts", "response_status", "sent_at", "last_error", "next_attempt_at", "updated_at"]


def delivery_schedule(*, delivery_id: int, at: datetime) -> OutboxMessage:
    """Ask for the delivery's task at `at` (the outbox dispatches it when due), in the current transaction."""
    return OutboxMessage.objects.create(task_name=SEND_TASK, args=[delivery_id], available_at=at)


def delivery_schedule_soon(*, delivery_id: int, at: datetime) -> OutboxMessage:
    """Like `delivery_schedule`, and after commit also handed to the broker: at once when due now (a replay, a
    woken parked delivery), with Celery's eta when due within WEBHOOK_ETA_MAX_SECONDS (a webhook retry in
    seconds should not wait for beat's next pass); later ones wait for beat's dispatcher."""
    message = delivery_schedule(delivery_id=delivery_id, at=at)
    wait = (at - timezone.now()).total_seconds()
    if wait <= 0:
        transaction.on_commit(partial(outbox_dispatch_after_commit, message_ids=[message.pk]))
    elif wait <= settings.WEBHOOK_ETA_MAX_SECONDS:
        transaction.on_commit(partial(outbox_publish_at, message_id=message.pk, task_name=SEND_TASK, at=at))
    return message


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


def _locked(delivery_ids: list[int]):
    """The deliveries, locked (SELECT ... FOR UPDATE of their own rows), with what sending them reads."""
    rows = Delivery.objects.select_for_update(of=("self",)).filter(pk__in=delivery_ids).order_by("pk")
    return rows.select_related("notification", "webhook", "discord_channel")


# savepoint=False: its callers (the outbox run of a task, a batch) let any exception roll the whole transaction
# back, so a savepoint per delivery would only cost two more statements
@transaction.atomic(savepoint=False)
def delivery_send(*, delivery_id: int, now: datetime | None = None) -> str:
    """Send a queued or failed delivery once it is due; a delivery already sent, delivered or given up is
    never sent again (a retried or duplicated task sends nothing). Returns the delivery's status."""
    delivery = _locked([delivery_id]).first()
    if delivery is None:
        return ""
    return _send_locked(delivery, now=now or timezone.now())


def _send_locked(
    delivery: Delivery,
    *,
    now: datetime,
    recorded: list[Delivery] | None = None,
    parked: set[int] | None = None,
) -> str:
    """One attempt of a locked delivery, once due. `recorded` (a batch): a webhook attempt's outcome is added
    there, for the batch's one UPDATE, instead of being saved at once."""
    if delivery.status in FINAL_DELIVERY_STATUSES:
        return delivery.status
    due = delivery.next_attempt_at or delivery.not_before
    if due is not None and due > now:
        return delivery.status  # an early copy of the task: the scheduled one sends it
    if delivery.channel == Channel.WEBHOOK:
        return _webhook_attempt(delivery, now, recorded, parked)
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


@transaction.atomic(savepoint=False)
def webhook_deliveries_send(*, delivery_ids: list[int]) -> list[str]:
    """The first attempts of a batch of one endpoint's new deliveries (the event fan-out's task: one Celery task
    and one outbox run for WEBHOOK_SEND_BATCH deliveries instead of one each). Each is sent as `delivery_send`
    sends it alone: its row locked, its own in-flight slot, breaker permit, SSRF check (after DNS, the connection
    pinned) and signature, a final state never sent again, its own outcome on its own row (status, attempts,
    response, error); its retries are single tasks. Shared: one SELECT ... FOR UPDATE locks the batch's rows (in
    id order; the rows stay locked to the end of the transaction either way) and one UPDATE records every
    attempt's outcome after the last one. A batch that finds its endpoint full but healthy waits for a slot
    (patiently: InFlightSlot.acquire); once one of its deliveries is parked (the endpoint is slow), the rest are
    parked without asking again.

    One transaction for the batch (the outbox run's): nothing of it is recorded until the batch ends. A crash or
    an error mid-batch rolls the whole batch back and its outbox row runs it again later; deliveries already
    POSTed then are sent again with the same webhook-id (at least once, as for a single delivery whose commit
    fails), and those recorded final by an earlier run are skipped."""
    rows = {row.pk: row for row in _locked(delivery_ids)}
    endpoints: dict[int, WebhookEndpoint] = {}
    for row in rows.values():  # one object per endpoint: what a delivery changes on it, the next one sees
        if row.webhook is not None:
            row.webhook = endpoints.setdefault(row.webhook_id, row.webhook)
    statuses: list[str] = []
    recorded: list[Delivery] = []
    parked: set[int] = set()
    for delivery_id in delivery_ids:
        delivery = rows.get(delivery_id)
        if delivery is None:
            statuses.append("")
            continue
        statuses.append(_send_locked(delivery, now=timezone.now(), recorded=recorded, parked=parked))
        if delivery.status == DeliveryStatus.DEAD_LETTER and delivery.webhook is not None:
            delivery.webhook.refresh_from_db(fields=["is_active", "consecutive_failures"])  # disabled by it?
    if recorded:
        _record_outcomes(recorded)
    return statuses


def _record_outcomes(rows: list[Delivery]) -> None:
    """One UPDATE for a batch's attempts, each row set to its own values (ATTEMPT_FIELDS). On PostgreSQL an
    UPDATE ... FROM (VALUES ...) (bulk_update's CASE per field and row cost more to build than the sends);
    elsewhere (the embedded SQLite) bulk_update."""
    if connection.vendor != "postgresql":
        Delivery.objects.bulk_update(rows, ATTEMPT_FIELDS)
        return
    quote, fields = connection.ops.quote_name, [Delivery._meta.get_field(name) for name in ATTEMPT_FIELDS]
    pk = quote(Delivery._meta.pk.column)
    names = ", ".join(quote(field.column) for field in fields)
    assignments = ", ".join(
        f"{quote(field.column)} = outcome.{quote(field.column)}::{field.db_type(connection)}" for field in fields
    )
    row_values = "(" + ", ".join(["%s"] * (len(fields) + 1)) + ")"
    sql = (
        f"UPDATE {quote(Delivery._meta.db_table)} AS target SET {assignments} "  # noqa: S608 - quoted identifiers, values as parameters
        f"FROM (VALUES {', '.join([row_values] * len(rows))}) AS outcome(id, {names}) WHERE target.{pk} = outcome.id"
    )
    params = [value for row in rows for value in (row.pk, *(getattr(row, name) for name in ATTEMPT_FIELDS))]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _webhook_attempt(
    delivery: Delivery, now: datetime, recorded: list[Delivery] | None = None, parked: set[int] | None = None
) -> str:
    """One attempt of a webhook delivery within its endpoint's in-flight cap (a full endpoint: parked until a slot
    frees, no attempt spent); a disabled or removed endpoint makes it a dead letter without an attempt.

    `parked` (a batch): the endpoints this batch found full and slow; the batch's other deliveries to them are
    parked at once, without asking again. A batch waits for a busy endpoint's slot patiently (InFlightSlot)."""
    endpoint = delivery.webhook
    if endpoint is None or not endpoint.is_active:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.DEAD_LETTER, None
        delivery.last_error = "The webhook endpoint was removed or disabled: not sent (replay it once enabled)."
        delivery.save()
        return delivery.status
    slot = InFlightSlot(endpoint.pk)
    in_batch = parked is not None
    if (in_batch and endpoint.pk in parked) or not slot.acquire(patient=in_batch):
        if in_batch:
            parked.add(endpoint.pk)
        delivery.next_attempt_at = now + parked_fallback_delay()
        delivery.save(update_fields=["next_attempt_at", "updated_at"])
        delivery_schedule_soon(delivery_id=delivery.pk, at=delivery.next_attempt_at)  # if no release wakes it
        # parked once this row is committed and unlocked: a release that wakes it earlier would skip it
        transaction.on_commit(partial(slot.park, delivery.pk))
        return delivery.status
    delivery.attempts += 1
    try:
        status = SENDERS[Channel.WEBHOOK](delivery, now=now)
    except DeliveryError as error:
        delivery.last_error, delivery.response_status = str(error)[:500], error.status
        if webhook_failed(delivery, error=delivery.last_error, now=now):
            delivery_schedule_soon(delivery_id=delivery.pk, at=delivery.next_attempt_at)
    else:
        delivery.status, delivery.response_status, delivery.sent_at = DeliveryStatus.DELIVERED, status, now
        delivery.last_error, delivery.next_attempt_at = "", None
        webhook_delivered(delivery)
    finally:
        woken = slot.release()
    if recorded is None:
        delivery.save(update_fields=ATTEMPT_FIELDS)
    else:
        delivery.updated_at = timezone.now()  # what save() sets (auto_now), which bulk_update does not
        recorded.append(delivery)
    _wake_parked(slot, woken, now)
    return delivery.status


def _wake_parked(slot: InFlightSlot, woken: int | None, now: datetime) -> None:
    """Send the parked delivery a released slot woke; a parked id sent meanwhile (by its fallback timer) wakes
    the next one instead."""
    for _ in range(10):
        if woken is None or _wake(woken, now):
            return
        woken = slot.next_parked()


def _wake(delivery_id: int, now: datetime) -> bool:
    """Send a parked delivery now (a slot of its endpoint was just freed); False when it needs no waking (sent
    already, or being sent by its own task right now)."""
    pending = Delivery.objects.filter(pk=delivery_id, status__in=(DeliveryStatus.QUEUED, DeliveryStatus.FAILED))
    # skip_locked: a delivery locked right now is being sent by its own task (its fallback timer, say)
    if pending.select_for_update(skip_locked=True).values_list("pk", flat=True).first() is None:
        return False
    pending.update(next_attempt_at=now)
    delivery_schedule_soon(delivery_id=delivery_id, at=now)
    return True


# a failed delivery has retries scheduled; a queued one is about to go
REPLAYABLE_STATUSES = frozenset({DeliveryStatus.DEAD_LETTER, DeliveryStatus.DELIVERED})


@transaction.atomic
def webhook_delivery_replay(*, delivery: Delivery, now: datetime | None = None) -> Delivery:
    """Send a webhook delivery again now, as the same delivery (same webhook-id: a receiver that kept it drops
    the copy): one more attempt, then a dead letter again if it fails. Its endpoint must be enabled."""
    delivery = Delivery.objects.select_for_update(of=("self",)).select_related("webhook").get(pk=delivery.pk)
    if delivery.channel != Channel.WEBHOOK:
        raise ConflictError(gettext("Only webhook deliveries can be replayed."), code="not_replayable")
    if delivery.webhook is None or not delivery.webhook.is_active:
        raise ConflictError(
            gettext("The webhook endpoint is disabled: enable it (PATCH is_active=true) before replaying."),
            code="webhook_disabled",
        )
    if delivery.status not in REPLAYABLE_STATUSES:
        raise ConflictError(
            gettext(
                "The delivery is %(status)s: it is sent (or retried) already; only a dead letter or a "
                "delivered one can be replayed."
            )
            % {"status": delivery.status},
            code="delivery_pending",
        )
    delivery.status, delivery.next_attempt_at, delivery.replays = DeliveryStatus.QUEUED, None, delivery.replays + 1
    delivery.save(update_fields=["status", "next_attempt_at", "replays", "updated_at"])
    delivery_schedule_soon(delivery_id=delivery.pk, at=now or timezone.now())
    return delivery


@transaction.atomic
def webhook_dead_letters_replay(*, endpoint_id: int, actor: Actor) -> int:
    """Replay every dead-lettered delivery of one enabled endpoint (the admin's action after a receiver's outage);
    returns how many were queued again."""
    dead = Delivery.objects.filter(webhook_id=endpoint_id, channel=Channel.WEBHOOK, status=DeliveryStatus.DEAD_LETTER)
    replayed = [webhook_delivery_replay(delivery=delivery) for delivery in dead.select_related("webhook__tenant")]
    if replayed:
        endpoint = replayed[0].webhook
        audit_record(
            actor=actor,
            action="notifications.webhook_dead_letters_replayed",
            target=endpoint,
            guild_id=endpoint.tenant.guild_id if endpoint.tenant_id else "",
            changes={"deliveries": [delivery.pk for delivery in replayed]},
        )
    return len(replayed)
