"""Admin seed rows of reports, alerts, workflows and access reviews (tests/admin/conftest.py)."""

from django.utils import timezone

from apps.compliance.choices import AlertCondition, ReportFormat, ReportKind, ReportRunStatus
from apps.compliance.models import AlertRule, Framework, ReportFile, ReportRun, WorkflowDefinition
from apps.compliance.services.access_review import access_review_start
from apps.compliance.services.alerts import alert_raise, alert_rule_save
from apps.compliance.services.reports import report_definition_create
from apps.compliance.services.workflows import workflow_definition_save, workflow_start
from apps.core.actors import Actor
from tests.factories import UserFactory


def compliance_automation_rows(*, actor: Actor, rows: int) -> None:
    """Definitions with a beat schedule and a run with three files, alert rules each with an alert,
    workflows with two steps, and access reviews of every staff account.

    Runs and files are rows straight into the tables: a real run renders a PDF and writes files, which
    the admin pages do not need (tests/compliance/test_reports_runs.py covers real runs)."""
    frameworks = list(Framework.objects.order_by("id")[:rows])
    now = timezone.now()
    for number in range(rows):
        framework = frameworks[number % len(frameworks)] if frameworks else None
        definition = report_definition_create(
            actor=actor,
            name=f"Seed report {number:02}",
            kind=ReportKind.FRAMEWORK_STATUS,
            framework=framework,
            cron=f"{number} 6 * * 1",
            recipients=[f"seed{number:02}@dbsbm.test"],
        )
        run = ReportRun.objects.create(
            definition=definition,
            number=1,
            kind=definition.kind,
            parameters=definition.parameters,
            status=ReportRunStatus.SUCCEEDED,
            triggered_by="seed",
            started_at=now,
            finished_at=now,
        )
        for report_format in ReportFormat:
            ReportFile.objects.create(
                run=run,
                format=report_format,
                file=f"compliance/reports/seed/{number:02}.{report_format}",
                sha256=f"{number:064x}",
                size_bytes=number,
            )
        rule = alert_rule_save(
            rule=AlertRule(
                name=f"Seed rule {number:02}",
                condition=AlertCondition.CHECK_FAILED,
                check_id=f"seed.check{number:02}",
                framework=framework,
                recipients=[f"oncall{number:02}@dbsbm.test"],
            ),
            actor=actor,
        )
        alert_raise(rule=rule, subject=f"check:seed.check{number:02}", summary="seed", details={}, actor=actor)
        steps = [
            {"name": "First", "assignee_role": "compliance_officer", "due_hours": 24},
            {"name": "Second", "assignee_role": "", "due_hours": 48},
        ]
        workflow_definition_save(
            definition=WorkflowDefinition(code=f"seed-{number:02}", name=f"Seed flow {number:02}", steps=steps),
            actor=actor,
        )
        workflow_start(
            code=f"seed-{number:02}", actor=actor, title=f"Seed work {number:02}", subject_ref=f"seed:{number}"
        )
    reviewer = UserFactory(username="seed-reviewer", is_superuser=True)
    for number in range(rows):
        access_review_start(actor=actor, period=f"2019-S{number:02}", reviewer=reviewer)
