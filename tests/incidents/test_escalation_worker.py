"""Escalation timers through real processes: a real Celery worker fires a 1-second timeout with no sweep
called by the test; a worker killed while it holds a timer loses nothing (beat's sweep catches it) and
the step happens once."""

import time

import pytest
from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from apps.core.models import OutboxMessage
from apps.incidents.models import Incident, IncidentNotification
from apps.incidents.tasks import escalation_advance_task
from dbsbm.celery import app as celery_app
from tests.celery_broker import use_broker
from tests.incidents.opening import open_incident_row
from tests.incidents.worker import Processes, wait_until

pytestmark = pytest.mark.django_db(transaction=True)  # the worker reads what the test committed

KEEP_BEAT = {"incidents: escalation sweep", "core: dispatch the task outbox"}


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


def _holds_the_timer_of(incident: Incident) -> bool:
    """Whether the running worker has taken the incident's timer (an eta message it keeps until due)."""
    timers = set(
        OutboxMessage.objects.filter(task_name=escalation_advance_task.name, args__0=incident.pk).values_list(
            "pk", flat=True
        )
    )
    scheduled = celery_app.control.inspect(timeout=1).scheduled() or {}
    return any(entry["request"]["args"][0] in timers for entries in scheduled.values() for entry in entries)


def _level(incident: Incident) -> int:
    return Incident.objects.values_list("escalation_level", flat=True).get(pk=incident.pk)


def test_a_real_worker_escalates_at_the_timeout_and_a_killed_worker_loses_no_timer(
    processes, make_policy, signed_receiver
):
    first, second = signed_receiver("/hooks/l1"), signed_receiver("/hooks/l2")
    level_2 = {"level": 2, "ack_timeout_seconds": 600, "targets": [{"kind": "webhook", "url": second.url}]}
    level_1 = {"level": 1, "ack_timeout_seconds": 1, "targets": [{"kind": "webhook", "url": first.url}]}
    with transaction.atomic():
        policy = make_policy([level_1, level_2])
        slower = make_policy([{**level_1, "ack_timeout_seconds": 3}, level_2], name="slower")
    worker = processes.start_worker()

    # 1. the worker alone: start, level 1 on the receiver, the 1 s timer fires (eta), level 2 on the receiver
    incident = open_incident_row(policy=policy)
    wait_until(lambda: len(first.received) == 1, timeout=30)
    wait_until(lambda: len(second.received) == 1, timeout=30)
    escalated_at = timezone.now()
    incident.refresh_from_db()
    assert incident.escalation_level == 2
    opened = IncidentNotification.objects.get(incident=incident, level=1).notification.created_at
    late = (escalated_at - opened).total_seconds() - 1
    assert late < 5, f"level 2 reached {late:.2f} s after the timeout"

    # 2. a worker killed while it holds the timer: the next worker and beat's sweep escalate, once
    second_incident = open_incident_row(policy=slower, title="Second")
    assert _level(second_incident) == 1  # notified in the opening's own transaction
    wait_until(lambda: _holds_the_timer_of(second_incident), timeout=30)
    processes.kill_worker(worker)
    killed_at = time.monotonic()
    PeriodicTask.objects.exclude(name__in=KEEP_BEAT).update(enabled=False)
    processes.start_worker()
    processes.start_beat()

    wait_until(lambda: _level(second_incident) == 2, timeout=40)
    assert time.monotonic() - killed_at < 40
    time.sleep(4)  # another sweep and the outbox's copy of the timer come by: nothing more happens
    assert IncidentNotification.objects.filter(incident=second_incident, level=2).count() == 1
    wait_until(lambda: len(second.received) == 2, timeout=30)
