"""Reads of the scheduled reports for the portal (C3's report library) and the download view."""

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _

from apps.compliance.models import ReportDefinition, ReportFile, ReportRun
from apps.core.errors import NotFoundError


def report_library() -> QuerySet[ReportDefinition]:
    """Every definition with its framework and beat schedule, annotated with its latest run:
    `latest_run_id`, `latest_run_number`, `latest_run_status`, `latest_run_finished_at` (None before
    the first run). One query whatever the number of definitions."""
    latest = ReportRun.objects.filter(definition=OuterRef("pk")).order_by("-number")
    return (
        ReportDefinition.objects.select_related("framework", "periodic_task__crontab")
        .annotate(
            latest_run_id=Subquery(latest.values("pk")[:1]),
            latest_run_number=Subquery(latest.values("number")[:1]),
            latest_run_status=Subquery(latest.values("status")[:1]),
            latest_run_finished_at=Subquery(latest.values("finished_at")[:1]),
        )
        .order_by("name")
    )


def report_file_get(*, file_id: int) -> ReportFile:
    report_file = ReportFile.objects.select_related("run__definition").filter(pk=file_id).first()
    if report_file is None:
        raise NotFoundError(_("No report file %(file_id)s.") % {"file_id": file_id}, code="report_file_not_found")
    return report_file


def report_run_list(*, definition_id: int | None = None) -> QuerySet[ReportRun]:
    """Report runs (every version of every report), newest first, with definition and files: the
    portal's report library lists these and links each file to `portal:report_file_download`."""
    runs = ReportRun.objects.select_related("definition").prefetch_related("files").order_by("-started_at", "-id")
    if definition_id is not None:
        runs = runs.filter(definition_id=definition_id)
    return runs
