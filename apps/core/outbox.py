"""The transactional outbox: no task is lost when the broker is down, and no request waits for it.

Writing. A task is never published from a request. `enqueue()` (apps/core/enqueue.py) inserts an
`OutboxMessage` row in the transaction of the change that asks for it, so the change and its tasks
commit or roll back together. Domain signals (`bet_placed`, `data_subject_request_changed`, …) are
therefore sent *inside* the service's transaction: a receiver either writes there (an outbox row
through `enqueue`) or defers what leaves the database (a live broadcast, a file) with
`transaction.on_commit`. This is the one deliberate change to the flow DESIGN.md draws, where the
signal itself waited for the commit.

Dispatching. `outbox_dispatch()` hands due rows to the broker and marks them dispatched. It runs
  * after each commit that wrote rows, for those rows only (a best-effort attempt from the request);
  * from beat every few seconds (`outbox_dispatch_task`, apps/core/schedules.py) for every due row:
    rows written while the broker was down, rows whose run failed and whose back-off is over, and
    rows dispatched OUTBOX_REDISPATCH_AFTER_SECONDS ago and never run (a broker that lost them).
Rows are taken with SELECT … FOR UPDATE SKIP LOCKED in one transaction that also marks them
dispatched, so two dispatchers never publish the same row in one pass. A publish is one attempt with
short timeouts (settings: no publish or connection retries); the first failure opens `broker_breaker`,
and while it is open no dispatcher in this process touches the broker, so a request with a dead
broker costs one refused connection at most, then nothing, until OUTBOX_BROKER_RETRY_SECONDS have
passed and one caller probes again.

Queues. Each row goes to the queue its task's name is routed to (settings CELERY_TASK_ROUTES, looked up
with Celery's `route_name`): an urgent task's row reaches the urgent queue by every path that publishes
it — after its commit, as a timer, and from beat's dispatcher.

Running exactly once. What is published is `outbox_message_run_task(message_id)`, shown under the
task's own name (Celery's `shadow`). Publishing is at least once: a dispatcher that published and then
failed to commit leaves the row pending, and it is published again; a row redispatched as lost may
still sit in the broker. `outbox_message_run()` makes the run happen once: in one transaction it
locks the row (SELECT … FOR UPDATE: a second delivery waits for the first to finish), returns at once
if `completed_at` is set, else runs the task's body and sets `completed_at` — the task's writes and the
completion mark commit together, or neither does. A duplicate delivery therefore finds the row
completed and does nothing; a run that raised leaves the row not completed (pending again after a
back-off) and the next delivery runs it. What a task does outside the database (an e-mail, a webhook)
is at least once: such a task may repeat its message if its transaction fails after sending it.

Embedded configuration (CELERY_TASK_ALWAYS_EAGER, no broker): the after-commit dispatch runs each
row's task in this process through the same `outbox_message_run()`; an exception of the task
propagates as Celery's eager mode makes it (CELERY_TASK_EAGER_PROPAGATES), the row keeps its error.
"""

import logging
from collections.abc import Iterable
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError

from apps.core.cache.breaker import OPEN, CircuitBreaker
from apps.core.models import OutboxMessage
from apps.core.observability.context import continued_trace

logger = logging.getLogger(__name__)

RUN_TASK = "apps.core.tasks.outbox_message_run_task"
PUBLISH_ERRORS = (BrokerError, RedisError, OSError)

# One per process, like the cache's breaker: whether *this* process reaches the broker decides whether
# it pays a connection attempt. One failure opens it (a publish is already a single attempt).
broker_breaker = CircuitBreaker(failure_threshold=1, reset_seconds=settings.OUTBOX_BROKER_RETRY_SECONDS)


def _due(*, now, message_ids: Iterable[int] | None = None) -> QuerySet[OutboxMessage]:
    """Rows to hand over now: pending and due, or dispatched long ago and never run; not given up."""
    lost_before = now - timedelta(seconds=settings.OUTBOX_REDISPATCH_AFTER_SECONDS)
    rows = OutboxMessage.objects.filter(completed_at=None, attempts__lt=settings.OUTBOX_MAX_ATTEMPTS).filter(
        Q(dispatched_at=None, available_at__lte=now) | Q(dispatched_at__lt=lost_before)
    )
    if message_ids is not None:
        rows = rows.filter(pk__in=list(message_ids))
    return rows.order_by("available_at", "id")


def _is_eager() -> bool:
    return bool(current_app.conf.task_always_eager)


def _publish(message_id: int, task_name: str, traceparent: str = "", **options) -> None:
    """Publish the runner of one row on the queue of the row's own task: the broker always carries the
    runner, so the route is looked up by the row's task name, not the runner's. The row's traceparent
    goes in the message's headers (and, with tracing on, the publish span joins that trace)."""
    headers = {"traceparent": traceparent} if traceparent else None
    with continued_trace(traceparent):
        current_app.send_task(
            RUN_TASK, args=[message_id], shadow=task_name, route_name=task_name, retry=False, headers=headers, **options
        )


def outbox_dispatch(*, message_ids: Iterable[int] | None = None, limit: int | None = None) -> int:
    """Hand due rows (only these ids, when given) to the workers; returns how many were handed over.

    Never raises for a broker that is down: the rows stay pending and the breaker opens.
    """
    limit = limit or settings.OUTBOX_DISPATCH_BATCH
    now = timezone.now()
    if _is_eager():
        ids = list(_due(now=now, message_ids=message_ids).values_list("pk", flat=True)[:limit])
        return sum(outbox_message_run(message_id=message_id) for message_id in ids)
    if broker_breaker.state == OPEN:
        return 0  # a broker that just failed: not even a query
    published: list[int] = []
    with transaction.atomic():
        rows = list(_due(now=now, message_ids=message_ids).select_for_update(skip_locked=True)[:limit])
        if not rows or not broker_breaker.allow():  # half-open: only one caller probes
            return 0
        for row in rows:
            try:
                _publish(row.pk, row.task_name, row.traceparent)
            except PUBLISH_ERRORS as error:
                broker_breaker.record_failure()
                logger.warning(
                    "outbox: broker unavailable (%s); %d message(s) stay pending",
                    type(error).__name__,
                    len(rows) - len(published),
                )
                OutboxMessage.objects.filter(pk=row.pk).update(last_error=f"publish: {type(error).__name__}")
                break
            broker_breaker.record_success()
            published.append(row.pk)
        if published:
            OutboxMessage.objects.filter(pk__in=published).update(dispatched_at=now)
    return len(published)


def outbox_dispatch_after_commit(*, message_ids: list[int]) -> None:
    """The request's own attempt after its commit: best effort, whatever fails is left to beat.

    In the embedded configuration the tasks run here, and their errors propagate like eager tasks'.
    """
    if _is_eager():
        outbox_dispatch(message_ids=message_ids)
        return
    try:
        outbox_dispatch(message_ids=message_ids)
    except Exception:  # noqa: BLE001 - the change is committed and its rows are safe; beat retries
        logger.exception("outbox: dispatch after commit failed; beat will dispatch %s", message_ids)


def outbox_publish_at(*, message_id: int, task_name: str, at, traceparent: str = "") -> bool:
    """After commit, publish a timer row (`enqueue_at`) with Celery's `eta=at`; best effort, the row is left
    pending (not marked dispatched), so beat's dispatcher also hands it over once due and whichever copy
    runs first runs it (once). Nothing in the embedded configuration: an eager task cannot wait."""
    if _is_eager() or broker_breaker.state == OPEN or not broker_breaker.allow():
        return False
    try:
        _publish(message_id, task_name, traceparent, eta=at)
    except PUBLISH_ERRORS as error:
        broker_breaker.record_failure()
        logger.warning("outbox: timer %s not published (%s); beat dispatches it when due", message_id, error)
        return False
    except Exception:  # noqa: BLE001 - the change is committed and its row is safe; beat dispatches it
        logger.exception("outbox: timer %s not published; beat dispatches it when due", message_id)
        return False
    broker_breaker.record_success()
    return True


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(10 * 2 ** max(attempts - 1, 0), 3600))


def outbox_message_run(*, message_id: int) -> bool:
    """Run the message's task unless it already ran; its writes and the completion mark commit together.

    Returns whether the task ran (False: already completed, or no such row). A run that raises counts
    an attempt, keeps the error and makes the row pending again after a back-off, then re-raises.
    """
    try:
        with transaction.atomic():
            row = OutboxMessage.objects.select_for_update().filter(pk=message_id).first()
            if row is None or row.completed_at is not None:
                return False
            # apply(): the task's own prerun/postrun signals and eager retries, its exception re-raised
            current_app.tasks[row.task_name].apply(args=row.args, kwargs=row.kwargs, throw=True)
            now = timezone.now()
            OutboxMessage.objects.filter(pk=message_id).update(
                completed_at=now, dispatched_at=row.dispatched_at or now, attempts=F("attempts") + 1, last_error=""
            )
    except Exception as error:
        _run_failed(message_id=message_id, error=error)
        raise
    return True


def _run_failed(*, message_id: int, error: Exception) -> None:
    try:
        attempts = (OutboxMessage.objects.filter(pk=message_id).values_list("attempts", flat=True).first() or 0) + 1
        OutboxMessage.objects.filter(pk=message_id, completed_at=None).update(
            attempts=F("attempts") + 1,
            dispatched_at=None,
            available_at=timezone.now() + _backoff(attempts),
            last_error=f"{type(error).__name__}: {error}"[:500],
        )
    except Exception:  # noqa: BLE001 - the database itself failed: the row stays dispatched, redispatched later
        logger.exception("outbox: could not record the failure of message %s", message_id)
        return
    logger.warning("outbox: message %s failed (attempt %d): %s", message_id, attempts, type(error).__name__)


def outbox_backlog_count(*, now=None) -> int:
    """Messages due and waiting to be handed to the broker (not dispatched, not completed, not given up): the
    part of the task backlog the broker's queues do not show yet (all of it while the broker is down)."""
    now = now or timezone.now()
    return OutboxMessage.objects.filter(
        completed_at=None, dispatched_at=None, available_at__lte=now, attempts__lt=settings.OUTBOX_MAX_ATTEMPTS
    ).count()


def outbox_purge(*, now=None, batch: int = 10_000) -> int:
    """Delete completed messages older than OUTBOX_KEEP_DAYS (one batch); returns how many."""
    before = (now or timezone.now()) - timedelta(days=settings.OUTBOX_KEEP_DAYS)
    ids = list(OutboxMessage.objects.filter(completed_at__lt=before).values_list("pk", flat=True)[:batch])
    deleted, _ = OutboxMessage.objects.filter(pk__in=ids).delete()
    return deleted
