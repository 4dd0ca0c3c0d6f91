"""The Celery wiring end to end: a real worker process, the Redis broker and result backend."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection, transaction

from apps.audit.models import AuditSeal
from apps.audit.services import audit_record
from apps.audit.tasks import audit_seal_pending_task
from dbsbm.celery import app as celery_app
from dbsbm.settings.base import BASE_DIR

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def real_worker():
    """A `celery worker` subprocess on the test database (not the one in DATABASE_URL)."""
    database = connection.settings_dict
    test_database_url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    queue = f"test-{os.getpid()}"  # a queue of our own: no other worker on this Redis takes our tasks
    env = {**os.environ, "DATABASE_URL": test_database_url, "DJANGO_SETTINGS_MODULE": "dbsbm.settings.test"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "dbsbm", "worker", "--pool=solo", "-Q", queue, "--loglevel=WARNING"],
        cwd=BASE_DIR,
        env=env,
    )
    celery_app.conf.task_always_eager = False
    try:
        yield queue
    finally:
        celery_app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER
        worker.terminate()
        worker.wait(timeout=30)


def test_a_real_worker_runs_the_audit_sealing_task(real_worker, actor):
    with transaction.atomic():
        for number in range(3):
            audit_record(actor=actor, action="tests.event_recorded", reason=f"event {number}")

    result = audit_seal_pending_task.apply_async(queue=real_worker)

    assert result.get(timeout=60) == 3
    assert AuditSeal.objects.count() == 3
