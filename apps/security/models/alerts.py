"""Alerts raised by the rules, and their triage history."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.security.choices import AlertStatus, Severity
from apps.security.models.events import SecurityEvent
from apps.security.models.rules import DetectionRule


class Alert(models.Model):
    """One detection (and its repeats within the rule's suppression window), with its evidence."""

    rule = models.ForeignKey(DetectionRule, on_delete=models.PROTECT, related_name="alerts")
    rule_version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    severity = models.CharField(max_length=16, choices=Severity.choices)
    status = models.CharField(max_length=16, choices=AlertStatus.choices, default=AlertStatus.NEW)
    dedup_key = models.CharField(max_length=200, db_index=True, help_text="rule slug and group key")
    group_key = models.CharField(max_length=150, blank=True, help_text="The user, IP, key prefix … it is about.")
    guild_id = models.CharField(max_length=20, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="security_alerts"
    )
    details = models.JSONField(default=dict, blank=True, help_text="The numbers behind the alert.")
    compliance_requirements = models.JSONField(default=list, blank=True)
    detection_count = models.PositiveIntegerField(default=1)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    events = models.ManyToManyField(SecurityEvent, blank=True, related_name="alerts")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-last_seen_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=AlertStatus.values), name="alert_status_valid"),
            models.CheckConstraint(condition=Q(detection_count__gte=1), name="alert_detection_count_positive"),
        ]
        indexes = [
            models.Index(fields=["status", "-last_seen_at"], name="alert_status_seen"),
            models.Index(fields=["dedup_key", "-last_seen_at"], name="alert_dedup_seen"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"


class AlertActivity(models.Model):
    """One entry of an alert's history: raised, repeated, status changed, assigned, noted."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="activities")
    occurred_at = models.DateTimeField(auto_now_add=True)
    actor_kind = models.CharField(max_length=16)
    actor_identifier = models.CharField(max_length=64, blank=True)
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=32)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    note = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["alert", "id"]
        verbose_name_plural = "alert activities"

    def __str__(self) -> str:
        return f"{self.action} on alert {self.alert_id}"
