"""Enumerations of the compliance app: checks, requirements and sources; reports; alerts; workflows."""

from django.db import models


class FrameworkSource(models.TextChoices):
    CATALOGUE = "catalogue", "Shipped catalogue (apps/compliance/catalogues)"
    OSCAL = "oscal", "Imported OSCAL catalog"


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


# a failing check of these severities makes `compliance_run` exit 1
BLOCKING_SEVERITIES = frozenset({Severity.HIGH, Severity.CRITICAL})


class CheckStatus(models.TextChoices):
    PASS = "pass", "Pass"
    FAIL = "fail", "Fail"
    ERROR = "error", "Error"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class RequirementStatus(models.TextChoices):
    PASSING = "passing", "Passing"
    FAILING = "failing", "Failing"
    ERROR = "error", "Check error"
    ATTESTED = "attested", "Attested (manual)"
    MANUAL = "manual", "Manual (no automated evidence)"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class EvidenceKind(models.TextChoices):
    KEY_ROTATION = "key_rotation", "Encryption key rotation"
    DETECTOR_RUN = "detector_run", "Security or fraud detector run"
    OTHER = "other", "Other"


class MappingRelation(models.TextChoices):
    EQUIVALENT = "equivalent", "Equivalent"
    RELATED = "related", "Related"


class AlertCondition(models.TextChoices):
    CHECK_FAILED = "check_failed", "A check failed with at least the given severity"
    FRAMEWORK_SCORE_BELOW = "framework_score_below", "A framework's score fell below the threshold"
    REQUIREMENT_FAILING = "requirement_failing", "A requirement has failing evidence"


# Severity is declared lowest first: its order is what `severity >= X` compares
SEVERITY_RANK = {severity.value: rank for rank, severity in enumerate(Severity)}


class AlertPriority(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    ESCALATED = "escalated", "Escalated"
    RESOLVED = "resolved", "Resolved"


# an alert in one of these is still "open" for deduplication: one per rule and subject
ACTIVE_ALERT_STATUSES = frozenset({AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED, AlertStatus.ESCALATED})


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


class WorkflowStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class StepStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    ESCALATED = "escalated", "Escalated"


# a step in one of these still waits for someone (and can time out)
OPEN_STEP_STATUSES = frozenset({StepStatus.PENDING, StepStatus.IN_PROGRESS, StepStatus.ESCALATED})


class AccessReviewStatus(models.TextChoices):
    OPEN = "open", "Open"
    COMPLETED = "completed", "Completed"


class AccessDecision(models.TextChoices):
    PENDING = "pending", "Pending"
    CERTIFIED = "certified", "Certified"
    REVOKED = "revoked", "Revoked"


# the workflows the platform itself starts (seeded after migrate, see services_workflows.py)
DSR_WORKFLOW_CODE = "dsr"
ACCESS_REVIEW_WORKFLOW_CODE = "access_review"


class RemediationStatus(models.TextChoices):
    """A remediation task is open until someone completes it (issue 17: officers work them in the portal)."""

    OPEN = "open", "Open"
    DONE = "done", "Done"
