"""The urgent lane (settings CELERY_TASK_ROUTES, README "Processes and queues"; the domain queues:
tests/integration/test_scaling_queues.py): the outbox publishes each row on the queue of its own task by every
path, and a worker on urgent,celery empties the urgent queue first.

Against a redis-server of our own (the broker's lists read back as they are) and a real worker subprocess.
"""

import json
from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.audit.tasks import audit_seal_pending_task
from apps.core.enqueue import enqueue, enqueue_at
from apps.core.models import OutboxMessage
from apps.core.outbox import outbox_dispatch
from apps.core.tasks import cache_warm_task, outbox_dispatch_task
from dbsbm.celery import app as celery_app
from tests.celery_broker import use_broker
from tests.incidents.worker import Processes, wait_until

URGENT, ORDINARY = outbox_dispatch_task.name, cache_warm_task.name  # core's own: one of each queue


@pytest.fixture
def processes():
    own = Processes()
    own.start_redis()
    previous_url, previous_eager = celery_app.conf.broker_url, celery_app.conf.task_always_eager
    use_broker(own.url, eager=False)
    try:
        yield own
    finally:
        own.stop()
        use_broker(previous_url, eager=previous_eager)


def _queued(processes: Processes, queue: str) -> list[tuple[str, bool]]:
    """(task name, has an eta) of every message waiting in the broker's list of `queue`, sorted."""
    client = redis.Redis.from_url(processes.url)
    messages = [json.loads(raw)["headers"] for raw in client.lrange(queue, 0, -1)]
    return sorted((headers["shadow"], headers["eta"] is not None) for headers in messages)


def test_every_urgent_route_names_a_registered_task():
    urgent = set(settings.URGENT_TASKS)

    assert urgent <= set(celery_app.tasks), f"not tasks: {sorted(urgent - set(celery_app.tasks))}"
    assert {celery_app.amqp.router.route({}, name)["queue"].name for name in urgent} == {"urgent"}
    assert [queue.name for queue in settings.CELERY_TASK_QUEUES][0] == "urgent"  # consumed first


@pytest.mark.django_db
def test_the_outbox_publishes_each_row_on_its_own_tasks_queue_after_commit_as_a_timer_and_from_the_relay(
    processes, django_capture_on_commit_callbacks
):
    # after commit (the request's own attempt) and as a timer (enqueue_at: published with its eta at once)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        enqueue(outbox_dispatch_task)
        enqueue(cache_warm_task)
        enqueue_at(outbox_dispatch_task, at=timezone.now() + timedelta(minutes=5))
    # rows nobody published (written while the broker was down): beat's relay hands them over
    OutboxMessage.objects.bulk_create([OutboxMessage(task_name=URGENT), OutboxMessage(task_name=ORDINARY)])
    assert outbox_dispatch() == 2

    assert _queued(processes, "urgent") == [(URGENT, False), (URGENT, False), (URGENT, True)]
    assert _queued(processes, "celery") == [(ORDINARY, False), (ORDINARY, False)]


@pytest.mark.django_db(transaction=True)  # the worker reads what the test committed
def test_a_worker_on_urgent_and_celery_runs_the_urgent_messages_before_the_ordinary_backlog(processes):
    # the backlog is there first, the urgent messages come last; then the worker starts (solo: one at a time)
    ordinary = [enqueue(audit_seal_pending_task) for _ in range(3)]
    urgent = [enqueue(outbox_dispatch_task) for _ in range(2)]
    assert (len(_queued(processes, "celery")), len(_queued(processes, "urgent"))) == (3, 2)

    processes.start_worker(queues="urgent,celery")
    wait_until(lambda: not OutboxMessage.objects.filter(completed_at=None).exists(), timeout=60)

    order = list(OutboxMessage.objects.order_by("completed_at").values_list("pk", flat=True))
    assert sorted(order[:2]) == sorted(row.pk for row in urgent)  # both urgent first: priority, not round robin
    assert sorted(order[2:]) == sorted(row.pk for row in ordinary)
