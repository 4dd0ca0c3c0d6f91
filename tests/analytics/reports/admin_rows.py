"""Admin seed rows of the BI reports (called by tests/admin/conftest.py:_seed): a definition per tenant with a
beat schedule, a run with its three files. Runs and files are rows straight into the tables: a real run
renders files, which the admin pages do not need (tests/analytics/reports/test_runs.py covers real runs)."""

from django.utils import timezone

from apps.analytics.choices import ReportFormat, ReportRunStatus
from apps.analytics.models import ReportFile, ReportRun
from apps.analytics.services.reports import report_definition_create
from apps.core.actors import Actor
from apps.tenants.models import Tenant


def analytics_report_admin_rows(*, actor: Actor, rows: int) -> None:
    now = timezone.now()
    for number, tenant in enumerate(Tenant.objects.order_by("pk")[:rows]):
        definition = report_definition_create(
            actor=actor,
            tenant=tenant,
            name=f"Seed BI report {number:02}",
            template="tenant_executive",
            cron=f"{number} 7 * * 1",
            recipients=[f"owner{number:02}@dbsbm.test"],
        )
        run = ReportRun.objects.create(
            definition=definition,
            number=1,
            template=definition.template,
            period_start=now.date(),
            period_end=now.date(),
            previous_start=now.date(),
            previous_end=now.date(),
            status=ReportRunStatus.SUCCEEDED,
            triggered_by="seed",
            started_at=now,
            finished_at=now,
        )
        for report_format in ReportFormat:
            ReportFile.objects.create(
                run=run,
                format=report_format,
                file=f"analytics/reports/seed/{number:02}.{report_format}",
                sha256=f"{number:064x}",
                size_bytes=number,
            )
