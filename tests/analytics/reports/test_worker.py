"""Done when: a scheduled report arrives by SMTP with its PDF and XLSX.

The definition's beat row is sent to a real Celery worker (in-process, on the Redis broker of the test
settings) exactly as beat's scheduler sends a due entry (`send_task(entry.task, entry.args)`); the worker
builds and stores the report, the notification layer's delivery goes through the outbox to the same worker,
and the local SMTP server receives the message with both files."""

import hashlib
import json
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django_celery_beat.models import PeriodicTask

from apps.analytics.choices import ReportRunStatus
from apps.analytics.models import ReportRun
from apps.analytics.services.reports import report_definition_create
from dbsbm.celery import app as celery_app
from tests.analytics.world import build_world

WAIT_SECONDS = 60


@pytest.fixture
def real_worker(settings):
    """A worker thread consuming the Redis broker of the test settings; tasks are not eager here."""
    celery_app.conf.task_always_eager = False
    try:
        with start_worker(celery_app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=30):
            yield
    finally:
        celery_app.conf.task_always_eager = True


def _wait_for_mail(smtp_server) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not smtp_server.mails:
        assert time.monotonic() < deadline, f"no e-mail within {WAIT_SECONDS} s"
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)  # the worker thread reads what the test committed
def test_a_scheduled_report_arrives_by_smtp_with_its_pdf_and_xlsx(
    tenant,
    actor,
    media_root,
    smtp_server,  # noqa: F811
    real_worker,
):
    build_world(tenant=tenant, actor=actor)
    definition = report_definition_create(
        actor=actor,
        tenant=tenant,
        name="Monday executive",
        template="tenant_executive",
        period="last_7_days",
        cron="0 6 * * 1",
        recipients=["owner@dbsbm.test"],
    )
    entry = PeriodicTask.objects.get(pk=definition.periodic_task_id)

    celery_app.send_task(entry.task, args=json.loads(entry.args))  # what beat does when the entry is due
    _wait_for_mail(smtp_server)

    run = ReportRun.objects.get(definition=definition)
    assert (run.number, run.status, run.triggered_by) == (1, ReportRunStatus.SUCCEEDED, "report schedule")
    [mail] = smtp_server.mails
    assert mail.recipients == ["owner@dbsbm.test"]
    assert mail.message["Subject"].startswith("[DBSBM reports] Monday executive v1:")
    stored = {item.filename: item.sha256 for item in run.files.all()}
    assert sorted(mail.attachments) == ["monday-executive-v1.pdf", "monday-executive-v1.xlsx"]
    assert {name: hashlib.sha256(data).hexdigest() for name, data in mail.attachments.items()} == {
        name: sha256 for name, sha256 in stored.items() if not name.endswith(".csv")
    }
