"""Queues per domain (settings CELERY_TASK_QUEUES / CELERY_TASK_ROUTES, README "Processes and queues"): every
registered task lands on a declared queue, the first matching route wins (urgent, then reports, then the
domain patterns), the Procfile's general worker takes every queue in the declared order, telemetry measures
every queue, and a real worker started on one queue runs that queue's tasks and leaves the others' alone.
"""

import json
import re

import pytest
import redis
from django.conf import settings

from apps.core.enqueue import enqueue
from apps.core.models import OutboxMessage
from apps.core.observability.queues import queue_names as queues_in_use
from apps.fraud.tasks import fraud_scan_task
from apps.integration.deployment.tasks import release_reconcile_task
from apps.integration.models.deployment import Release, ReleaseStatus
from dbsbm.celery import app as celery_app
from dbsbm.settings.base import BASE_DIR
from tests.celery_broker import use_broker
from tests.incidents.worker import Processes, wait_until

celery_app.loader.import_default_modules()  # every app's tasks module, as a worker loads them
DECLARED = [queue.name for queue in settings.CELERY_TASK_QUEUES]


def _queue_of(task_name: str) -> str:
    return celery_app.amqp.router.route({}, task_name)["queue"].name


def test_every_registered_task_is_routed_to_a_declared_queue():
    routes = {name: _queue_of(name) for name in celery_app.tasks}

    assert {name: queue for name, queue in routes.items() if queue not in DECLARED} == {}
    assert list(settings.CELERY_QUEUE_NAMES) == DECLARED
    domains = {"grading", "fraud", "notifications", "reports", "integration", "analytics", "ml"}
    assert set(DECLARED) == {"urgent", "celery", *domains}
    # every domain queue has work today (a queue nothing is routed to would be a typo in a pattern)
    assert set(routes.values()) == set(DECLARED)


@pytest.mark.parametrize(
    ("task_name", "queue"),
    [
        ("apps.betting.tasks.game_grade_task", "grading"),
        ("apps.betting.tasks.games_grade_sweep_task", "grading"),
        ("apps.fraud.tasks.fraud_scan_task", "fraud"),
        ("apps.fraud.tasks.fraud_bet_check_task", "fraud"),
        ("apps.notifications.tasks.notification_delivery_send_task", "notifications"),
        ("apps.integration.deployment.tasks.release_reconcile_task", "integration"),
        ("apps.integration.webhooks.tasks.any_future_task", "integration"),  # by name: areas add tasks freely
        ("apps.analytics.tasks.analytics_rollups_refresh_task", "analytics"),
        ("apps.analytics.tasks.telemetry_sample_task", "analytics"),
        # first match wins: the exact names (urgent, then reports) before the domain patterns
        ("apps.notifications.tasks.notification_delivery_send_urgent_task", "urgent"),
        ("apps.analytics.tasks.report_run_task", "reports"),
        ("apps.compliance.tasks.run_report", "reports"),
        ("apps.incidents.tasks.escalation_start_task", "urgent"),
        ("apps.core.tasks.outbox_dispatch_task", "urgent"),
        # everything else: the default queue
        ("apps.security.tasks.security_event_evaluate_task", "celery"),
        ("apps.incidents.tasks.step_run_execute_task", "celery"),
        ("apps.core.tasks.cache_warm_task", "celery"),
    ],
)
def test_tasks_are_routed_by_name_first_match_wins(task_name, queue):
    assert _queue_of(task_name) == queue


def test_the_urgent_and_report_lists_name_registered_tasks():
    named = [*settings.URGENT_TASKS, *settings.REPORT_TASKS]
    assert [name for name in named if name not in celery_app.tasks] == []


def test_telemetry_measures_every_declared_queue():
    assert set(DECLARED) <= set(queues_in_use())


def _procfile() -> dict[str, str]:
    lines = (BASE_DIR / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


def test_the_procfiles_general_worker_takes_every_queue_in_priority_order_and_urgent_has_its_own():
    processes = _procfile()
    general = re.search(r"-Q \$\{WORKER_QUEUES:-([a-z,]+)\}", processes["worker"]).group(1)
    urgent = re.search(r"-Q (\S+)", processes["urgent"]).group(1)

    assert general.split(",") == DECLARED
    assert urgent == "urgent"
    assert set(processes) == {"web", "worker", "urgent", "beat"}


def _waiting(url: str, queue: str) -> list[str]:
    client = redis.Redis.from_url(url)
    return [json.loads(raw)["headers"]["shadow"] for raw in client.lrange(queue, 0, -1)]


@pytest.fixture
def broker():
    own = Processes()
    own.start_redis()
    previous_url, previous_eager = celery_app.conf.broker_url, celery_app.conf.task_always_eager
    use_broker(own.url, eager=False)
    try:
        yield own
    finally:
        own.stop()
        use_broker(previous_url, eager=previous_eager)


@pytest.mark.django_db(transaction=True)  # the worker reads what the test committed
def test_a_worker_on_the_integration_queue_runs_integration_tasks_and_leaves_the_fraud_queue_alone(broker):
    release = Release.objects.create(
        version="2026.12.1",
        started_by="test",
        started_at="2026-12-07T10:00:00Z",
        applied_migration_count=1,
        pending_migrations=[],  # nothing pending any more: the reconcile task closes it
    )
    fraud = enqueue(fraud_scan_task)
    integration = enqueue(release_reconcile_task)  # committed (autocommit): both published after their commit
    assert (_waiting(broker.url, "fraud"), _waiting(broker.url, "integration")) == (
        [fraud_scan_task.name],
        [release_reconcile_task.name],
    )

    broker.start_worker(queues="integration")
    wait_until(lambda: OutboxMessage.objects.filter(pk=integration.pk).exclude(completed_at=None).exists(), timeout=60)

    release.refresh_from_db()
    assert release.status == ReleaseStatus.MIGRATED  # the task ran in the worker
    assert OutboxMessage.objects.get(pk=fraud.pk).completed_at is None
    assert _waiting(broker.url, "fraud") == [fraud_scan_task.name]  # still there for a fraud worker
    assert _waiting(broker.url, "integration") == []
