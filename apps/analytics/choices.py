"""Enumerations of the analytics app."""

from django.db import models


class SampleKind(models.TextChoices):
    """What a telemetry sample measures (apps/analytics/models/samples.py says which fields each one uses)."""

    REQUESTS = "requests", "Requests"
    CACHE = "cache", "Cache reads"
    QUEUE = "queue", "Queue depth"
    WORKER_MEMORY = "worker_memory", "Worker memory"


class SampleResolution(models.TextChoices):
    MINUTE = "minute", "Minute"
    HOUR = "hour", "Hour"


class ReportScope(models.TextChoices):
    """A tenant report reads one guild's figures; a platform report reads every tenant's."""

    TENANT = "tenant", "One tenant"
    PLATFORM = "platform", "The platform"


class ReportPeriod(models.TextChoices):
    """The days a run covers, counted back from the day it runs (in the tenant's time zone; UTC for the
    platform); the run is compared with the same number of days just before (MetricQuery.previous_period)."""

    LAST_7_DAYS = "last_7_days", "Last 7 days"
    LAST_30_DAYS = "last_30_days", "Last 30 days"
    PREVIOUS_WEEK = "previous_week", "Previous week (Monday to Sunday)"
    PREVIOUS_MONTH = "previous_month", "Previous calendar month"


class ReportRunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class ReportFormat(models.TextChoices):
    PDF = "pdf", "PDF (with charts)"
    CSV = "csv", "CSV (every section's rows)"
    XLSX = "xlsx", "XLSX (one sheet per section)"


CONTENT_TYPES = {
    ReportFormat.PDF: "application/pdf",
    ReportFormat.CSV: "text/csv",
    ReportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

# What the e-mail carries: the PDF to read and the XLSX to work with; the CSV (the same rows as the XLSX)
# only when there is no XLSX. Every format stays downloadable from the portal.
EMAILED_FORMATS = (ReportFormat.PDF, ReportFormat.XLSX)
