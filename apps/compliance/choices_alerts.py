"""Choices of the compliance alert rules and alerts."""

from django.db import models

from apps.compliance.choices import Severity


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
