"""A real worker killed in the middle of a playbook: a new worker resumes it without repeating a completed
action (real Celery worker subprocesses on the test database, the Redis broker, SIGKILL)."""

import os
import subprocess
import sys
import time
from datetime import timedelta

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.incidents.choices import StepStatus
from apps.incidents.models import StepRun
from apps.incidents.services.playbooks import playbook_start, playbooks_sweep
from apps.tenants.choices import TenantStatus
from apps.tenants.models import Tenant
from dbsbm.celery import app as celery_app
from dbsbm.settings.base import BASE_DIR
from tests.incidents.playbook_support import incident_make, playbook_make, runs_of

pytestmark = pytest.mark.django_db(transaction=True)
STEP_TIMEOUT = 60


def _database_url() -> str:
    database = connection.settings_dict
    return f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"


@pytest.fixture
def workers(settings):
    """workers() -> a new `celery worker` subprocess on the test database and a queue of this test's own."""
    queue = f"test-incidents-{os.getpid()}"
    settings.INCIDENTS_STEP_QUEUE = queue
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "dbsbm.settings.test",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "INCIDENTS_STEP_QUEUE": queue,
    }
    started = []

    def _start() -> subprocess.Popen:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "dbsbm", "worker", "--pool=solo", "-Q", queue, "--loglevel=WARNING"],
            cwd=BASE_DIR,
            env=env,
        )
        started.append(worker)
        return worker

    celery_app.conf.task_always_eager = False
    try:
        yield _start
    finally:
        celery_app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER
        for worker in started:
            if worker.poll() is None:
                worker.terminate()
                worker.wait(timeout=30)


def _wait_for(condition, *, timeout: float = 60, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _worker_waits_for_the_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def test_a_worker_killed_mid_playbook_is_resumed_by_a_new_worker_without_repeating_a_completed_action(
    workers, tenant, make_key
):
    key, _ = make_key(["tenants:read"], tenant=tenant)
    playbook_make(
        kind="api_key_compromise",
        steps=[
            {"slug": "revoke", "action": "revoke_api_key", "params": {"key_prefixes": [key.prefix]}},
            {"slug": "suspend", "action": "suspend_tenant", "timeout_seconds": STEP_TIMEOUT},
            {"slug": "review", "action": "manual", "owner_role": "ops", "due_minutes": 60},
        ],
    )
    incident = incident_make(kind="api_key_compromise", guild_id=tenant.guild_id)
    # another transaction holds the tenant's row: the suspend step blocks on it, mid-playbook
    with psycopg.connect(_database_url().replace("postgres://", "postgresql://")) as holder:
        holder.execute(f"SELECT 1 FROM {Tenant._meta.db_table} WHERE id = %s FOR UPDATE", [tenant.pk])
        try:
            first = workers()
            playbook_start(incident_id=incident.pk)
            _wait_for(lambda: runs_of(incident)[:2] == [("revoke", "succeeded"), ("suspend", "running")], what="step 2")
            _wait_for(_worker_waits_for_the_lock, what="the worker to block in step 2")
            first.kill()  # SIGKILL: no clean-up, the task is never acknowledged
            first.wait(timeout=30)
            with connection.cursor() as cursor:  # the dead worker's server process, still waiting on the lock
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> %s",
                    [holder.info.backend_pid],
                )
        finally:
            holder.rollback()

    assert runs_of(incident) == [("revoke", "succeeded"), ("suspend", "running"), ("review", "pending")]
    assert Tenant.objects.get(pk=tenant.pk).status == TenantStatus.ACTIVE  # the killed step's work rolled back

    workers()
    # the step's time-out and the grace pass (moved back in time rather than waited for)
    elapsed = timedelta(seconds=STEP_TIMEOUT + settings.INCIDENTS_STEP_GRACE_SECONDS + 1)
    StepRun.objects.filter(incident=incident, position=2).update(started_at=timezone.now() - elapsed)
    assert playbooks_sweep() == 1
    _wait_for(lambda: runs_of(incident)[2] == ("review", "waiting"), what="the new worker to finish the playbook")

    revoke, suspend, _ = StepRun.objects.filter(incident=incident).order_by("position")
    assert (revoke.status, revoke.attempts) == (StepStatus.SUCCEEDED, 1)
    assert (suspend.status, suspend.attempts) == (StepStatus.SUCCEEDED, 2)
    assert AuditEvent.objects.filter(action="accounts.api_key_revoked", target_id=str(key.pk)).count() == 1
    assert AuditEvent.objects.filter(action="tenants.tenant_suspended").count() == 1
    assert Tenant.objects.get(pk=tenant.pk).status == TenantStatus.SUSPENDED
    assert incident.timeline.filter(message__contains="(revoke) succeeded").count() == 1
