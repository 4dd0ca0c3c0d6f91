"""`run_report` through a real Celery worker (in-process, on the Redis broker), as beat would call it."""

import pytest
from celery.contrib.testing.worker import start_worker

from apps.compliance.choices import ReportKind, ReportRunStatus
from apps.compliance.models import ReportRun
from apps.compliance.services.reports import report_definition_create
from apps.compliance.tasks import run_report
from dbsbm.celery import app as celery_app


@pytest.fixture
def real_worker(settings):
    """A worker thread consuming the Redis broker of the test settings; tasks are not eager here."""
    celery_app.conf.task_always_eager = False
    try:
        with start_worker(celery_app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=30):
            yield
    finally:
        celery_app.conf.task_always_eager = True


@pytest.mark.django_db(transaction=True)  # the worker thread reads what the test committed
def test_a_real_worker_runs_the_report_stores_and_emails_it(actor, media_root, smtp_server, real_worker):  # noqa: F811
    definition = report_definition_create(
        actor=actor,
        name="Art 30 by worker",
        kind=ReportKind.GDPR_ARTICLE_30,
        cron="0 6 * * 1",
        recipients=["dpo@dbsbm.test"],
    )

    result = run_report.apply_async(args=[definition.pk], ignore_result=False)
    run_id = result.get(timeout=60)

    run = ReportRun.objects.get(pk=run_id)
    assert (run.definition_id, run.number, run.status, run.triggered_by) == (
        definition.pk,
        1,
        ReportRunStatus.SUCCEEDED,
        "report schedule",
    )
    assert run.files.count() == 3
    assert [mail.recipients for mail in smtp_server.mails] == [["dpo@dbsbm.test"]]
