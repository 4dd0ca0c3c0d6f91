"""Scheduled regulatory reports: what to build and when (a definition), and each run's files.

A definition's cron schedule lives in django-celery-beat (a PeriodicTask with a CrontabSchedule,
kept in step by `report_definition_create/update/delete`), so beat calls `run_report(definition_id)`
on time without any code knowing the schedule. A run is numbered per definition (version 1, 2, …),
and each of its files (PDF, CSV, JSON) is stored once with its SHA-256: what was e-mailed can be
proved to be what is stored.
"""

from django.db import models
from django.db.models import Q
from django_celery_beat.models import PeriodicTask

from apps.compliance.choices import ReportFormat, ReportKind, ReportRunStatus


class ReportDefinition(models.Model):
    """A report to build from live data: kind, parameters, an optional framework, schedule, recipients."""

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=32, choices=ReportKind.choices)
    framework = models.ForeignKey(
        "compliance.Framework",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="report_definitions",
        help_text="For framework status reports: the framework (empty: every framework).",
    )
    parameters = models.JSONField(default=dict, blank=True, help_text="Validated per kind by the service.")
    cron = models.CharField(
        max_length=100, blank=True, help_text="Five fields: minute hour day-of-month month day-of-week (UTC)."
    )
    recipients = models.JSONField(default=list, blank=True, help_text="E-mail addresses.")
    is_enabled = models.BooleanField(default=True)
    periodic_task = models.OneToOneField(
        PeriodicTask, null=True, blank=True, on_delete=models.SET_NULL, related_name="report_definition"
    )
    last_run_number = models.PositiveIntegerField(default=0)
    created_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ReportKind.values), name="compliance_report_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class ReportRun(models.Model):
    """One build of a definition: version `number`, the parameters it used, its files and delivery."""

    definition = models.ForeignKey(ReportDefinition, on_delete=models.PROTECT, related_name="runs")
    number = models.PositiveIntegerField(help_text="1, 2, 3… per definition: the report's version.")
    kind = models.CharField(max_length=32, choices=ReportKind.choices)
    parameters = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=ReportRunStatus.choices, default=ReportRunStatus.RUNNING)
    row_count = models.PositiveIntegerField(default=0)
    summary = models.CharField(max_length=300, blank=True)
    error = models.TextField(blank=True)
    triggered_by = models.CharField(max_length=150)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    emailed_to = models.JSONField(default=list, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["definition", "number"], name="compliance_report_run_number_unique"),
            models.CheckConstraint(
                condition=Q(status__in=ReportRunStatus.values), name="compliance_report_run_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["definition", "-number"], name="compliance_report_run_latest")]

    def __str__(self) -> str:
        return f"{self.definition} v{self.number}"


def report_file_path(instance: "ReportFile", filename: str) -> str:
    return f"compliance/reports/{instance.run.definition_id}/{instance.run.number}/{filename}"


class ReportFile(models.Model):
    """One output file of a run, stored through Django's storage, with its SHA-256."""

    run = models.ForeignKey(ReportRun, on_delete=models.CASCADE, related_name="files")
    format = models.CharField(max_length=8, choices=ReportFormat.choices)
    file = models.FileField(upload_to=report_file_path, max_length=300)
    sha256 = models.CharField(max_length=64)
    size_bytes = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["run", "format"]
        constraints = [
            models.UniqueConstraint(fields=["run", "format"], name="compliance_report_file_one_per_format"),
            models.CheckConstraint(
                condition=Q(format__in=ReportFormat.values), name="compliance_report_file_format_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run} ({self.format})"

    @property
    def filename(self) -> str:
        return self.file.name.rsplit("/", 1)[-1]
