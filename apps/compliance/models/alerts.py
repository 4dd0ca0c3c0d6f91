"""Compliance alerts: rules over check results and scores, and the alerts they raise.

A rule names a condition (a check failed with at least a severity, a framework's score fell below a
threshold, a requirement has failing evidence), a priority, who is told (e-mail addresses and/or a
staff role) and how long an alert may stay unacknowledged before it escalates. At most one active
alert exists per rule and subject (a partial unique constraint): a repeated finding updates it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.compliance.choices import ACTIVE_ALERT_STATUSES, AlertCondition, AlertPriority, AlertStatus, Severity


class AlertRule(models.Model):
    """When to raise a compliance alert, how urgent it is, and whom to tell."""

    name = models.CharField(max_length=120, unique=True)
    condition = models.CharField(max_length=32, choices=AlertCondition.choices)
    check_id = models.CharField(max_length=100, blank=True, help_text="check_failed: one check (empty: any check).")
    minimum_severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.HIGH)
    framework = models.ForeignKey(
        "compliance.Framework", null=True, blank=True, on_delete=models.CASCADE, related_name="alert_rules"
    )
    score_threshold = models.FloatField(null=True, blank=True, help_text="framework_score_below: 0-100.")
    # a key, not a foreign key: catalogues are re-synced from files, and a rule must not block that
    requirement_key = models.CharField(
        max_length=140, blank=True, help_text='requirement_failing: the requirement, as "framework:ref".'
    )
    priority = models.CharField(max_length=10, choices=AlertPriority.choices, default=AlertPriority.MEDIUM)
    recipients = models.JSONField(default=list, blank=True, help_text="E-mail addresses told when an alert opens.")
    recipient_role = models.CharField(
        max_length=32, blank=True, help_text="A staff role whose members are told as well (e.g. compliance_officer)."
    )
    escalation_recipients = models.JSONField(
        default=list, blank=True, help_text="E-mail addresses told when an alert is not acknowledged in time."
    )
    acknowledgment_minutes = models.PositiveIntegerField(default=60)
    is_enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(condition__in=AlertCondition.values), name="compliance_rule_condition"),
            models.CheckConstraint(condition=Q(priority__in=AlertPriority.values), name="compliance_rule_priority"),
            models.CheckConstraint(
                condition=~Q(condition=AlertCondition.FRAMEWORK_SCORE_BELOW)
                | Q(score_threshold__gte=0, score_threshold__lte=100),
                name="compliance_rule_score_threshold",
            ),
            models.CheckConstraint(
                condition=~Q(condition=AlertCondition.REQUIREMENT_FAILING) | ~Q(requirement_key=""),
                name="compliance_rule_requirement_named",
            ),
            models.CheckConstraint(condition=Q(acknowledgment_minutes__gte=1), name="compliance_rule_ack_window"),
        ]

    def __str__(self) -> str:
        return self.name


class ComplianceAlert(models.Model):
    """One alert of one rule about one subject (a check, a framework or a requirement)."""

    rule = models.ForeignKey(AlertRule, on_delete=models.PROTECT, related_name="alerts")
    subject = models.CharField(max_length=200, help_text='What it is about: "check:<id>", "framework:<id>", …')
    priority = models.CharField(max_length=10, choices=AlertPriority.choices)
    status = models.CharField(max_length=16, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    summary = models.CharField(max_length=500)
    details = models.JSONField(default=dict, blank=True)
    occurrence_count = models.PositiveIntegerField(default=1)
    raised_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    acknowledge_by = models.DateTimeField(help_text="Escalates when not acknowledged by then.")
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject"],
                condition=Q(status__in=sorted(ACTIVE_ALERT_STATUSES)),
                name="compliance_alert_one_active_per_rule_subject",
            ),
            models.CheckConstraint(condition=Q(status__in=AlertStatus.values), name="compliance_alert_status"),
            models.CheckConstraint(condition=Q(priority__in=AlertPriority.values), name="compliance_alert_priority"),
        ]
        indexes = [
            models.Index(fields=["status", "-raised_at"], name="compliance_alert_status"),
            models.Index(fields=["status", "acknowledge_by"], name="compliance_alert_escalation"),
        ]

    def __str__(self) -> str:
        return f"{self.rule}: {self.subject} ({self.status})"
