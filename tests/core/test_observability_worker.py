"""A real Celery worker with tracing on, exporting OTLP to a local receiver: a task run continues the trace
its outbox row carries, and the task families of /api/v1/metrics/ count its runs and failures."""

import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from apps.audit.tasks import audit_seal_pending_task
from apps.core.enqueue import enqueue
from apps.core.models import OutboxMessage
from apps.core.observability.context import fallback_begin, fallback_end
from apps.core.outbox import outbox_dispatch
from dbsbm.celery import app as celery_app
from dbsbm.settings.base import BASE_DIR
from tests.otlp_receiver import OtlpReceiver

pytestmark = pytest.mark.django_db(transaction=True)

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_SPAN_ID = "00f067aa0ba902b7"
SEAL_TASK = "apps.audit.tasks.audit_seal_pending_task"


def _poll(check, *, seconds: float = 45):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError("not seen before the deadline")


@pytest.fixture(scope="module")
def traced_worker(django_db_setup, django_db_blocker):
    """One worker for the module, on the test database and on `celery` (where the outbox routes the seal
    task) plus a queue of its own; tracing on, spans sent to the receiver, counters flushed per task."""
    database = connection.settings_dict
    queue = f"test-observability-{os.getpid()}"
    with OtlpReceiver() as receiver:
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
            "DJANGO_SETTINGS_MODULE": "dbsbm.settings.test",
            "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
            "OTEL_BSP_SCHEDULE_DELAY": "100",
            "OBSERVABILITY_FLUSH_SECONDS": "0",
            "DJANGO_LOG_LEVEL": "WARNING",
        }
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "dbsbm", "worker", "--pool=solo", "-Q", f"{queue},celery"],
            cwd=BASE_DIR,
            env=env,
        )
        celery_app.conf.task_always_eager = False
        try:
            yield receiver, queue
        finally:
            celery_app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER
            worker.terminate()
            worker.wait(timeout=30)


def test_an_outbox_row_s_task_continues_the_trace_it_was_asked_in(traced_worker):
    receiver, _ = traced_worker
    row = OutboxMessage.objects.create(task_name=SEAL_TASK, traceparent=f"00-{TRACE_ID}-{PARENT_SPAN_ID}-01")

    assert outbox_dispatch(message_ids=[row.pk]) == 1  # as beat's dispatcher would, any time later
    _poll(lambda: OutboxMessage.objects.filter(pk=row.pk, completed_at__isnull=False).exists())

    def spans_of_the_trace():
        # The runner's span ends after the task's and may be exported in a later batch: wait for both.
        spans = [span for span in receiver.spans if span["trace_id"] == TRACE_ID]
        names = {span["name"] for span in spans}
        finished = {f"run/{SEAL_TASK}", "run/apps.core.tasks.outbox_message_run_task"} <= names
        return spans if finished else None

    spans = _poll(spans_of_the_trace)
    (runner,) = [span for span in spans if span["name"] == "run/apps.core.tasks.outbox_message_run_task"]
    assert runner["parent_id"] == PARENT_SPAN_ID and runner["service"] == "dbsbm-worker"
    (task,) = [span for span in spans if span["name"] == f"run/{SEAL_TASK}"]
    assert task["parent_id"] == runner["span_id"]  # the task itself, run inside its outbox runner
    assert any(span["scope"] == "opentelemetry.instrumentation.psycopg" for span in spans)  # its queries


def test_enqueue_keeps_the_current_trace_context_on_the_row():
    token = fallback_begin(f"00-{TRACE_ID}-{PARENT_SPAN_ID}-01")
    try:
        with transaction.atomic():
            row = enqueue(audit_seal_pending_task)
            OutboxMessage.objects.filter(pk=row.pk).update(available_at=timezone.now() + timedelta(days=1))
    finally:
        fallback_end(token)

    assert row.traceparent.startswith(f"00-{TRACE_ID}-")


def test_task_runs_and_failures_reach_the_metrics(traced_worker, make_key, client_with_key):
    _, queue = traced_worker
    celery_app.send_task(SEAL_TASK, queue=queue, retry=False)
    celery_app.send_task(SEAL_TASK, args=[1, 2, 3], queue=queue, retry=False)  # TypeError in the worker
    _, secret = make_key(["metrics:read"])
    client = client_with_key(secret)

    def task_samples():
        samples = {}
        for family in text_string_to_metric_families(client.get("/api/v1/metrics/").content.decode()):
            for sample in family.samples:
                samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
        failed = ("dbsbm_celery_task_failures_total", (("exception", "TypeError"), ("task", SEAL_TASK)))
        return samples if failed in samples else None

    samples = _poll(task_samples)

    assert samples[("dbsbm_celery_task_failures_total", (("exception", "TypeError"), ("task", SEAL_TASK)))] == 1
    assert samples[("dbsbm_celery_task_duration_seconds_count", (("state", "FAILURE"), ("task", SEAL_TASK)))] == 1
    assert samples[("dbsbm_celery_task_duration_seconds_count", (("state", "SUCCESS"), ("task", SEAL_TASK)))] >= 1
    worker_pools = [labels for name, labels in samples if name == "dbsbm_db_pool_max_connections"]
    assert ("kind", "worker") in {label for labels in worker_pools for label in labels}
