"""Report runs store a PDF with charts, a CSV and an XLSX of the rows behind each section, each with its
SHA-256; definitions keep their django-celery-beat row in step; bad input writes nothing."""

import hashlib
import io
import json

import pytest
from django.db import IntegrityError, transaction
from django_celery_beat.models import PeriodicTask
from openpyxl import load_workbook
from pypdf import PdfReader

from apps.analytics.choices import ReportRunStatus
from apps.analytics.models import ReportDefinition, ReportRun
from apps.analytics.services import reports as report_services
from apps.analytics.services.reports import (
    report_definition_create,
    report_definition_delete,
    report_definition_update,
    report_run,
)
from apps.audit.models import AuditEvent
from apps.betting.models import Capper
from apps.core.errors import ApplicationError, ConflictError
from tests.analytics.reports.scenario import add_single, two_weeks

pytestmark = pytest.mark.django_db

SHEETS = [
    "Executive summary",
    "League movers",
    "Capper movers",
    "Handle and net units per day",
    "Bets placed per day",
    "Top cappers by net units",
    "Leagues by handle",
    "Recommendations",
]


def _definition(actor, tenant, **changes):
    values = {"name": "Weekly executive", "template": "tenant_executive", "period": "last_7_days", **changes}
    return report_definition_create(actor=actor, tenant=tenant, **values)


def _stored(run: ReportRun) -> dict[str, bytes]:
    stored = {}
    for report_file in run.files.all():
        with report_file.file.open("rb") as handle:
            stored[report_file.format] = handle.read()
    return stored


def test_a_run_stores_pdf_csv_and_xlsx_with_their_sha256_and_the_rows_behind_each_section(tenant, actor, media_root):
    weeks = two_weeks(tenant=tenant, actor=actor)
    Capper.objects.filter(pk=weeks.ann.pk).update(display_name='=HYPERLINK("http://x.test","ann")')
    definition = _definition(actor, tenant)

    run = report_run(definition=definition, actor=actor)

    assert (run.number, run.status, run.error) == (1, ReportRunStatus.SUCCEEDED, "")
    assert (run.period_end - run.period_start).days == 6
    stored = _stored(run)
    assert sorted(stored) == ["csv", "pdf", "xlsx"]
    for report_file in run.files.all():
        data = stored[report_file.format]
        assert report_file.sha256 == hashlib.sha256(data).hexdigest() and report_file.size_bytes == len(data)
        assert report_file.file.name.startswith(f"analytics/reports/{tenant.guild_id}/{definition.pk}/1/")
    event = AuditEvent.objects.get(action="analytics.report_run_completed")
    assert event.guild_id == tenant.guild_id
    assert event.changes["sha256"]["after"] == {item.format: item.sha256 for item in run.files.all()}
    assert run.summary == "Bets placed: 6; Handle (units staked): 8.50; Net units: +3.81; ROI: +84.66%"

    workbook = load_workbook(io.BytesIO(stored["xlsx"]))
    assert workbook.sheetnames == SHEETS
    summary = list(workbook["Executive summary"].iter_rows(values_only=True))
    assert summary[0] == ("metric", "label", "current", "previous", "change", "relative_change")
    assert len(summary) == 1 + 8
    assert summary[2] == ("stake_units", "Handle (units staked)", 8.5, 8.5, 0, 0)
    days = list(workbook["Bets placed per day"].iter_rows(values_only=True))
    assert days[0] == ("day", "bets_placed") and len(days) == 1 + 7 and sum(row[1] for row in days[1:]) == 6
    cappers = list(workbook["Top cappers by net units"].iter_rows(values_only=True))
    assert [row[1] for row in cappers[1:]] == ["joe", '\'=HYPERLINK("http://x.test","ann")']  # not a formula
    assert all(cell.data_type != "f" for row in workbook["Top cappers by net units"].iter_rows() for cell in row)
    recommendations = list(workbook["Recommendations"].iter_rows(values_only=True))
    assert recommendations[0] == ("rule", "recommendation") and recommendations[-1][0] == "pending_bets"
    csv_text = stored["csv"].decode()
    assert "## Top cappers by net units\r\n" in csv_text
    assert "'=HYPERLINK" in csv_text and ",=HYPERLINK" not in csv_text

    again = report_run(definition=definition, actor=actor)
    assert again.number == 2  # a version per run; the first is kept
    assert ReportRun.objects.filter(definition=definition).count() == 2


def _pdf_text(pdf: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def test_the_pdf_has_the_sections_figures_charts_and_sentences(tenant, actor, media_root):
    weeks = two_weeks(tenant=tenant, actor=actor)
    definition = _definition(actor, tenant)
    quiet = report_run(definition=definition, actor=actor)
    add_single(weeks, actor=actor, capper=weeks.ann, league="NFL", stake="2.00", won=True, tag="pdf")
    moved = report_run(definition=definition, actor=actor)

    pdf = _stored(quiet)["pdf"]
    assert pdf.startswith(b"%PDF-")
    reader, text = _pdf_text(pdf)
    assert len(reader.pages) == 2
    assert reader.metadata.title == "Executive report: Home Guild"
    for expected in (
        "Executive report: Home Guild",
        f"{quiet.period_start} to {quiet.period_end}, compared with {quiet.previous_start} to {quiet.previous_end}",
        "Executive summary",
        "Handle (units staked)\n8.50\n8.50\n+0.00 (+0%)",
        "League movers\nNothing changed against the previous period.",
        "Handle and net units per day",
        "Top cappers by net units",
        "Capper joe accounts for 71% of the handle",
        "Weekly executive · version 1",  # the footer of every page
    ):
        assert expected in text, expected
    assert "Change in net units against the previous period" not in text  # no movers, no bar chart

    _, text = _pdf_text(_stored(moved)["pdf"])
    assert text.count("Change in net units against the previous period") == 2  # the two movers' bar charts
    assert "Among leagues, NFL moved most in net units: from +0.00 to +2.00 (+2.00)." in text
    assert "Weekly executive · version 2" in text


def test_a_run_that_cannot_be_rendered_is_kept_failed_with_the_reason(tenant, actor, media_root, monkeypatch):
    def broken(content, *, header):
        raise ValueError("renderer broke")

    monkeypatch.setitem(report_services.RENDERERS, "xlsx", broken)

    run = report_run(definition=_definition(actor, tenant, recipients=["cfo@dbsbm.test"]), actor=actor)

    assert (run.status, run.error, run.files.count(), run.notification_id) == (
        ReportRunStatus.FAILED,
        "ValueError: renderer broke",
        0,
        None,
    )
    assert AuditEvent.objects.filter(action="analytics.report_run_failed", target_id=str(run.pk)).count() == 1


def test_the_beat_row_follows_the_definition(tenant, actor):
    definition = _definition(actor, tenant, cron="0 6 * * 1", recipients="cfo@dbsbm.test; ceo@dbsbm.test")

    task = PeriodicTask.objects.get(name=f"analytics report {definition.pk}")
    assert (task.task, json.loads(task.args), task.enabled) == (
        "apps.analytics.tasks.report_run_task",
        [definition.pk],
        True,
    )
    assert (task.crontab.minute, task.crontab.hour, task.crontab.day_of_week) == ("0", "6", "1")
    assert definition.recipients == ["cfo@dbsbm.test", "ceo@dbsbm.test"]

    report_definition_update(definition=definition, actor=actor, cron="30 7 1 * *", is_enabled=False)
    task.refresh_from_db()
    assert (task.crontab.minute, task.crontab.hour, task.crontab.day_of_month, task.enabled) == ("30", "7", "1", False)
    event = AuditEvent.objects.get(action="analytics.report_definition_updated")
    assert event.changes["cron"] == {"before": "0 6 * * 1", "after": "30 7 1 * *"}

    report_definition_update(definition=definition, actor=actor, cron="")
    assert not PeriodicTask.objects.filter(pk=task.pk).exists()
    report_definition_delete(definition=ReportDefinition.objects.get(pk=definition.pk), actor=actor)
    assert not ReportDefinition.objects.filter(pk=definition.pk).exists()


def test_a_definition_with_runs_is_kept(tenant, actor, media_root):
    definition = _definition(actor, tenant, cron="0 6 * * 1")
    report_run(definition=definition, actor=actor)

    with pytest.raises(ConflictError, match="disable the definition instead"):
        report_definition_delete(definition=definition, actor=actor)
    assert PeriodicTask.objects.filter(name=f"analytics report {definition.pk}").exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "  "}, "name", "Give the report a name of 1 to 120 characters."),
        ({"template": "platform_business"}, "template", "choose one of tenant_executive"),
        ({"period": "last_year"}, "period", "choose one of last_7_days, last_30_days"),
        ({"formats": ["pdf", "docx"]}, "formats", "Unknown format docx"),
        ({"formats": []}, "formats", "Choose at least one format"),
        ({"recipients": ["cfo@dbsbm.test", "not-an-address"]}, "recipients", "'not-an-address' is not a valid"),
        ({"cron": "every monday"}, "cron", "is not a valid cron schedule"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_writes_nothing(tenant, actor, changes, field, message):
    before = (ReportDefinition.objects.count(), PeriodicTask.objects.count(), AuditEvent.objects.count())

    with pytest.raises(ApplicationError) as refused:
        _definition(actor, tenant, **{"cron": "0 6 * * 1", **changes})

    assert refused.value.status_code == 400 and field in refused.value.fields
    assert message in refused.value.message
    assert (ReportDefinition.objects.count(), PeriodicTask.objects.count(), AuditEvent.objects.count()) == before


def test_names_are_unique_per_scope_and_templates_fit_their_scope(tenant, other_tenant, actor):
    _definition(actor, tenant)
    _definition(actor, other_tenant)  # the same name in another tenant is another report
    platform = report_definition_create(actor=actor, tenant=None, name="Weekly executive", template="platform_business")

    with pytest.raises(ConflictError, match="already exists for Home Guild"):
        _definition(actor, tenant)
    assert platform.tenant is None and platform.scope == "platform"
    with pytest.raises(IntegrityError), transaction.atomic():  # the database holds the rule too
        ReportDefinition.objects.filter(pk=platform.pk).update(template="tenant_executive")
