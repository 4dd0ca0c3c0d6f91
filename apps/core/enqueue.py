"""Asking for a Celery task: a row in the transactional outbox, written with the change (apps/core/outbox.py).

Call `enqueue()` inside the transaction of the change (a service, or a receiver of a domain signal,
which services send inside their transaction): the task is published only if the change commits, and
it is not lost if the broker is down then (the outbox's dispatcher publishes it when the broker is
back). Outside a transaction the row commits at once and is dispatched right away.
"""

from datetime import datetime
from functools import partial

from celery import Task
from django.db import transaction

from apps.core.models import OutboxMessage
from apps.core.observability.context import current_trace_ids
from apps.core.outbox import outbox_dispatch_after_commit, outbox_publish_at


def enqueue(task: Task, *args, **kwargs) -> OutboxMessage:
    """Write `task(*args, **kwargs)` to the outbox in the current transaction; it is dispatched after commit.

    Arguments must be JSON (ids, strings, lists): they are stored, then sent as Celery's JSON.
    """
    message = OutboxMessage.objects.create(
        task_name=task.name, args=list(args), kwargs=kwargs, traceparent=current_trace_ids().traceparent
    )
    transaction.on_commit(partial(outbox_dispatch_after_commit, message_ids=[message.pk]))
    return message


def enqueue_at(task: Task, *args, at: datetime, **kwargs) -> OutboxMessage:
    """Like `enqueue`, but the task is not run before `at` (a timer: an escalation step, a reminder).

    The row waits in the outbox with `available_at=at`: beat's outbox dispatcher hands it over once due
    (within its period), so a timer survives a lost broker message or a restarted worker. After commit it is
    also published at once with Celery's `eta`, so a running worker fires it on time rather than at the
    dispatcher's next pass. Both paths run the same row, and a row runs once (`outbox_message_run`).
    """
    message = OutboxMessage.objects.create(
        task_name=task.name,
        args=list(args),
        kwargs=kwargs,
        available_at=at,
        traceparent=current_trace_ids().traceparent,
    )
    transaction.on_commit(
        partial(outbox_publish_at, message_id=message.pk, task_name=task.name, at=at, traceparent=message.traceparent)
    )
    return message
