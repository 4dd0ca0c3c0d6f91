"""Choices of the scheduled regulatory reports."""

from django.db import models


class ReportKind(models.TextChoices):
    """What a report is built from (apps/compliance/reporting/kinds.py has one builder per kind)."""

    FRAMEWORK_STATUS = "framework_status", "Framework status"
    GDPR_ARTICLE_30 = "gdpr_article_30", "GDPR Art. 30 record of processing"
    AUDIT_TRAIL_EXTRACT = "audit_trail_extract", "Audit trail extract"
    DSR_STATISTICS = "dsr_statistics", "Data-subject request statistics"
    BETTING_INTEGRITY = "betting_integrity", "Betting-integrity summary"


class ReportRunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class ReportFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    CSV = "csv", "CSV"
    JSON = "json", "JSON"


CONTENT_TYPES = {
    ReportFormat.PDF: "application/pdf",
    ReportFormat.CSV: "text/csv",
    ReportFormat.JSON: "application/json",
}
