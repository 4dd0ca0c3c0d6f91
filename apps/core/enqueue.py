"""Asking for a Celery task: a row in the transactional outbox, written with the change (apps/core/outbox.py).

Call `enqueue()` inside the transaction of the change (a service, or a receiver of a domain signal,
which services send inside their transaction): the task is published only if the change commits, and
it is not lost if the broker is down then (the outbox's dispatcher publishes it when the broker is
back). Outside a transaction the row commits at once and is dispatched right away.
"""

from functools import partial

from celery import Task
from django.db import transaction

from apps.core.models import OutboxMessage
from apps.core.outbox import outbox_dispatch_after_commit


def enqueue(task: Task, *args, **kwargs) -> OutboxMessage:
    """Write `task(*args, **kwargs)` to the outbox in the current transaction; it is dispatched after commit.

    Arguments must be JSON (ids, strings, lists): they are stored, then sent as Celery's JSON.
    """
    message = OutboxMessage.objects.create(task_name=task.name, args=list(args), kwargs=kwargs)
    transaction.on_commit(partial(outbox_dispatch_after_commit, message_ids=[message.pk]))
    return message
