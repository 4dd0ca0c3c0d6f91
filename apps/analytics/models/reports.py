"""BI reports: what to build for whom and when (a definition), each build (a run) and its files.

A definition belongs to one tenant or to the platform (no tenant) and names a report template
(apps/analytics/reports/templates.py) of that scope, a period, the formats and the recipients. Its cron
schedule is a django-celery-beat PeriodicTask kept in step by the service (apps/analytics/services/
reports.py), so beat's database scheduler runs `report_run_task(definition_id)` on time. A run is numbered
per definition (version 1, 2, …) and records the days it covered; each file is stored once with its
SHA-256, and the e-mail (through the notification layer) attaches those same bytes.
"""

from django.db import models
from django.db.models import Q
from django_celery_beat.models import PeriodicTask

from apps.analytics.choices import ReportFormat, ReportPeriod, ReportRunStatus, ReportScope
from apps.analytics.reports.templates import TEMPLATE_CHOICES, templates_for

TENANT_TEMPLATES = [template.key for template in templates_for(ReportScope.TENANT)]
PLATFORM_TEMPLATES = [template.key for template in templates_for(ReportScope.PLATFORM)]


def _default_formats() -> list[str]:
    return [ReportFormat.PDF.value, ReportFormat.CSV.value, ReportFormat.XLSX.value]


class ReportDefinition(models.Model):
    """A BI report to build from the metric layer: template, period, formats, schedule and recipients."""

    tenant = models.ForeignKey(
        "tenants.Tenant",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="analytics_report_definitions",
        help_text="Empty: a platform report over every tenant.",
    )
    name = models.CharField(max_length=120)
    template = models.CharField(max_length=40, choices=TEMPLATE_CHOICES)
    period = models.CharField(max_length=20, choices=ReportPeriod.choices, default=ReportPeriod.LAST_7_DAYS)
    formats = models.JSONField(default=_default_formats, help_text="pdf, csv, xlsx: the files each run stores.")
    recipients = models.JSONField(default=list, blank=True, help_text="E-mail addresses.")
    cron = models.CharField(
        max_length=100, blank=True, help_text="Five fields: minute hour day-of-month month day-of-week (UTC)."
    )
    is_enabled = models.BooleanField(default=True)
    periodic_task = models.OneToOneField(
        PeriodicTask, null=True, blank=True, on_delete=models.SET_NULL, related_name="analytics_report_definition"
    )
    last_run_number = models.PositiveIntegerField(default=0)
    created_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        permissions = [("manage_platform_reports", "Define, run and download platform-wide BI reports")]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "name"], condition=Q(tenant__isnull=False), name="analytics_report_name_per_tenant"
            ),
            models.UniqueConstraint(
                fields=["name"], condition=Q(tenant__isnull=True), name="analytics_report_name_platform"
            ),
            # a tenant's definition uses a tenant template, a platform one a platform template
            models.CheckConstraint(
                condition=Q(tenant__isnull=False, template__in=TENANT_TEMPLATES)
                | Q(tenant__isnull=True, template__in=PLATFORM_TEMPLATES),
                name="analytics_report_template_fits_scope",
            ),
            models.CheckConstraint(condition=Q(period__in=ReportPeriod.values), name="analytics_report_period_valid"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def scope(self) -> str:
        return ReportScope.TENANT if self.tenant_id else ReportScope.PLATFORM


class ReportRun(models.Model):
    """One build of a definition: version `number`, the days it covered, its files and the e-mail."""

    definition = models.ForeignKey(ReportDefinition, on_delete=models.PROTECT, related_name="runs")
    number = models.PositiveIntegerField(help_text="1, 2, 3… per definition: the report's version.")
    template = models.CharField(max_length=40, choices=TEMPLATE_CHOICES)
    period_start = models.DateField()
    period_end = models.DateField()
    previous_start = models.DateField(help_text="The compared period: the same number of days just before.")
    previous_end = models.DateField()
    status = models.CharField(max_length=16, choices=ReportRunStatus.choices, default=ReportRunStatus.RUNNING)
    row_count = models.PositiveIntegerField(default=0)
    summary = models.CharField(max_length=300, blank=True)
    error = models.TextField(blank=True)
    triggered_by = models.CharField(max_length=150)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    emailed_to = models.JSONField(default=list, blank=True)
    notification = models.ForeignKey(
        "notifications.Notification",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The e-mail with the files, sent by the notification layer.",
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["definition", "number"], name="analytics_report_run_number_unique"),
            models.CheckConstraint(
                condition=Q(status__in=ReportRunStatus.values), name="analytics_report_run_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(period_start__lte=models.F("period_end")), name="analytics_report_run_period_ordered"
            ),
        ]
        indexes = [models.Index(fields=["definition", "-number"], name="analytics_report_run_latest")]

    def __str__(self) -> str:
        return f"{self.definition} v{self.number}"


def report_file_path(instance: "ReportFile", filename: str) -> str:
    definition = instance.run.definition
    owner = definition.tenant.guild_id if definition.tenant_id else "platform"
    return f"analytics/reports/{owner}/{definition.pk}/{instance.run.number}/{filename}"


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
            models.UniqueConstraint(fields=["run", "format"], name="analytics_report_file_one_per_format"),
            models.CheckConstraint(
                condition=Q(format__in=ReportFormat.values), name="analytics_report_file_format_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run} ({self.format})"

    @property
    def filename(self) -> str:
        return self.file.name.rsplit("/", 1)[-1]
