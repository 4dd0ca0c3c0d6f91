"""Processes announce themselves: a real Celery worker (started here, with a broker of its own) when it is
ready, then on Celery's heartbeat (killed, it fails its checks and is deregistered); a web process from its
first request; beat when it starts, kept fresh by its heartbeat task. Beat's sync registers them with their
checks, and the Celery ping reaches the real worker."""

import os
import socket
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.integration.models import HealthCheck, ServiceInstance
from apps.integration.registry.discovery import registry_sync
from apps.integration.registry.heartbeats import BEAT_KEY, announcements, beat_heartbeat
from apps.integration.registry.processes import beat_announce, web_announce_stop
from apps.integration.registry.runners import check_probe
from apps.integration.registry.services import instances_deregister_critical
from apps.integration.registry.sweep import checks_run_due
from dbsbm.celery import app as celery_app
from tests.celery_broker import use_broker
from tests.incidents.worker import Processes, wait_until
from tests.integration.registry_helpers import a_check

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def worker_processes(django_db_setup, django_db_blocker):
    """One redis-server as broker and one solo worker on `integration,celery`, heartbeating every second."""
    own = Processes()
    own.start_redis()
    previous_url, previous_eager = celery_app.conf.broker_url, celery_app.conf.task_always_eager
    use_broker(own.url, eager=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REGISTRY_HEARTBEAT_SECONDS", "1")
        try:
            worker = own.start_worker(queues="integration,celery")
            yield own, worker
        finally:
            use_broker(previous_url, eager=previous_eager)  # before the broker goes: no pool left to it
            own.stop()


def instances_checks(instance_id: str):
    return HealthCheck.objects.filter(instance__instance_id=instance_id).select_related("instance__service")


def _worker_announcement():
    return next((a for a in announcements().values() if a.kind == "worker"), None)


def test_a_real_worker_is_registered_per_queue_pinged_and_deregistered_after_it_crashes(worker_processes, settings):
    settings.REGISTRY_CHECK_TIMEOUT_SECONDS = 1  # the checks sync registers: a worker that is gone costs 1 s
    processes, worker = worker_processes
    wait_until(lambda: _worker_announcement() is not None, timeout=20)  # each test starts with an empty cache
    announced = _worker_announcement()
    assert (announced.pid, announced.queues) == (worker.pid, ["celery", "integration"])

    registry_sync()
    instances = ServiceInstance.objects.filter(instance_id=announced.instance_id).select_related("service")
    assert sorted(i.service.name for i in instances) == ["worker.celery", "worker.integration"]
    instance = instances.get(service__name="worker.integration")
    assert (instance.pid, instance.queues, instance.source) == (worker.pid, ["celery", "integration"], "announced")
    checks_run_due()
    worker_checks = {(c.instance.service.name, c.kind, c.status) for c in instances_checks(announced.instance_id)}
    assert worker_checks == {
        (service, kind, "passing")
        for service in ("worker.celery", "worker.integration")
        for kind in ("ttl", "celery_ping")
    }
    ping = instance.checks.get(kind="celery_ping")
    assert ping.output == f"{announced.instance_id} answered the ping"

    processes.kill_worker(worker)  # a crash: nothing withdraws the announcement, it just grows old
    later = timezone.now() + timedelta(seconds=settings.REGISTRY_HEARTBEAT_TTL_SECONDS + 1)
    # the worker's four checks fail (no answer to the ping, a heartbeat past its TTL); the infrastructure passes
    assert checks_run_due(now=later) == {"critical": 4, "passing": 4}
    ping.refresh_from_db()
    assert ping.output == f"{announced.instance_id} did not answer within 1 s"
    assert instance.checks.get(kind="ttl").output.startswith("last heartbeat ")

    after = later + timedelta(seconds=settings.REGISTRY_DEREGISTER_CRITICAL_AFTER_SECONDS)
    gone = instances_deregister_critical(now=after)
    assert sorted(i.service.name for i in gone) == ["worker.celery", "worker.integration"]


def test_a_ping_nobody_answers_is_critical():
    probe = check_probe(a_check("celery_ping", {"node": "nobody@nowhere"}))
    assert (probe.status, probe.output) == ("critical", "nobody@nowhere did not answer within 1 s")


def test_a_web_process_announces_itself_from_its_first_request(client, settings):
    settings.REGISTRY_WEB_HEARTBEAT_ENABLED = True
    key = f"web/{socket.gethostname()}:{os.getpid()}"
    try:
        assert client.get("/healthz").status_code == 200
        wait_until(lambda: key in announcements(), timeout=5)
        registry_sync()
        web = ServiceInstance.objects.get(service__name="web")
        assert (web.address, web.pid, web.host) == ("testserver:80", os.getpid(), socket.gethostname())
        assert sorted(web.checks.values_list("kind", flat=True)) == ["http", "ttl"]
    finally:
        web_announce_stop()
    assert key not in announcements()


def test_beat_announces_at_start_and_its_heartbeat_task_keeps_it_fresh():
    started = beat_announce()
    later = beat_heartbeat(now=started.at + 30)
    assert (later.pid, later.host, later.at) == (started.pid, started.host, started.at + 30)
    assert announcements()[BEAT_KEY].at == started.at + 30
    registry_sync(now=started.at + 30)
    beat = ServiceInstance.objects.get(service__name="beat")
    assert beat.last_heartbeat_at.timestamp() == pytest.approx(started.at + 30)
    assert beat.last_heartbeat_at <= timezone.now() + timezone.timedelta(seconds=31)
