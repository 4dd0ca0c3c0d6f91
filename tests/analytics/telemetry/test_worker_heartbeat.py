"""Worker memory from real worker processes: a prefork worker's main process reports on Celery's heartbeat,
its child from its own thread; the worker runs the sampler task as beat sends it; a stopped worker no
longer counts."""

import os

import pytest
from celery import current_app
from django.conf import settings
from django.utils import timezone

from apps.analytics.choices import SampleKind
from apps.analytics.models import TelemetrySample
from apps.core.monitoring.workers import worker_reports
from dbsbm.celery import app as celery_app
from tests.analytics.telemetry.helpers import query
from tests.celery_broker import use_broker
from tests.incidents.worker import Processes, wait_until

pytestmark = pytest.mark.django_db(transaction=True)  # the worker writes the samples in its own transactions

MEBIBYTE = 1024 * 1024


@pytest.fixture
def processes(monkeypatch):
    monkeypatch.setenv("WORKER_HEARTBEAT_SECONDS", "1")  # read by the worker subprocess
    own = Processes()
    own.start_redis()
    previous_url, previous_eager = celery_app.conf.broker_url, celery_app.conf.task_always_eager
    use_broker(own.url, eager=False)
    try:
        yield own
    finally:
        own.stop()
        use_broker(previous_url, eager=previous_eager)


def _resident_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_a_prefork_workers_processes_report_their_memory_and_the_worker_samples_it(processes):
    worker = processes.start_worker(pool="prefork")
    wait_until(lambda: sorted(report.kind for report in worker_reports()) == ["child", "main"], timeout=20)
    main, child = sorted(worker_reports(), key=lambda report: report.kind != "main")
    assert main.process.endswith(f":{worker.pid}")

    current_app.send_task("apps.analytics.tasks.telemetry_sample_task")  # as beat sends it
    wait_until(lambda: TelemetrySample.objects.filter(kind=SampleKind.WORKER_MEMORY).exists(), timeout=20)

    sample = TelemetrySample.objects.get(kind=SampleKind.WORKER_MEMORY)
    child_pid = int(child.process.rsplit(":", 1)[1])
    measured = _resident_bytes(worker.pid) + _resident_bytes(child_pid)
    assert sample.count == 2
    assert abs(sample.value - measured) < 32 * MEBIBYTE  # the same processes' memory, read moments apart
    queues = TelemetrySample.objects.filter(kind=SampleKind.QUEUE)
    every_queue = [*settings.CELERY_QUEUE_NAMES, "outbox"]
    assert {row.component: row.value for row in queues} == dict.fromkeys(every_queue, 0)  # all taken
    today = timezone.localdate()
    assert query("worker_memory_mb", start=today, end=today).rows == [[round(sample.value / MEBIBYTE, 1)]]

    processes.stop()  # a warm shutdown: each process takes its report away
    assert worker_reports() == []
