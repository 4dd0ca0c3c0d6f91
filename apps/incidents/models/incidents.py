"""Incidents, what caused or explains them, and their timeline.

An incident copies its escalation policy's levels into `escalation_levels` when it opens, so a later edit of
the policy never changes a running escalation. `escalation_token` is the fencing token of the escalation
timer: every acknowledgement, escalation or re-arm increments it, and a timer task carrying an older token
does nothing (a stale or duplicated task can never escalate twice).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.incidents.choices import (
    MAX_ESCALATION_LEVEL,
    IncidentKind,
    IncidentSeverity,
    IncidentStatus,
    RuleSource,
    TimelineKind,
)


class Incident(models.Model):
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=IncidentKind.choices)
    severity = models.CharField(max_length=16, choices=IncidentSeverity.choices)
    status = models.CharField(max_length=16, choices=IncidentStatus.choices, default=IncidentStatus.NEW)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_incidents"
    )
    assignees = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="assigned_incidents")
    declared_by_label = models.CharField(max_length=150, help_text="Who or which rule opened it.")
    guild_id = models.CharField(max_length=20, blank=True, help_text="The tenant it is mainly about, if any.")
    affected_tenants = models.ManyToManyField("tenants.Tenant", blank=True, related_name="incidents")
    affected_members = models.ManyToManyField("accounts.Member", blank=True, related_name="incidents")
    affected_systems = models.JSONField(default=list, blank=True, help_text="Names of systems: api, portal, bot …")
    personal_data_involved = models.BooleanField(default=False)
    # what caused or explains it
    security_alerts = models.ManyToManyField("security.Alert", blank=True, related_name="incidents")
    fraud_cases = models.ManyToManyField("fraud.FraudCase", blank=True, related_name="incidents")
    check_runs = models.ManyToManyField("compliance.CheckRun", blank=True, related_name="incidents")
    audit_events = models.ManyToManyField("audit.AuditEvent", blank=True, related_name="incidents")
    # opening by rule: the rule and the correlation key a later alert joins by
    rule = models.ForeignKey(
        "incidents.IncidentRule", null=True, blank=True, on_delete=models.SET_NULL, related_name="incidents"
    )
    correlation_key = models.CharField(max_length=200, blank=True, db_index=True)
    # when things happened (the review's durations are measured between these)
    detected_at = models.DateTimeField(help_text="The first linked event, or when it was declared.")
    aware_at = models.DateTimeField(help_text="When the platform became aware: the start of the GDPR clock.")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    triaged_at = models.DateTimeField(null=True, blank=True)
    contained_at = models.DateTimeField(null=True, blank=True)
    eradicated_at = models.DateTimeField(null=True, blank=True)
    recovered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    reopened_count = models.PositiveSmallIntegerField(default=0)
    # escalation (a copy of the policy's levels, taken when the incident opened)
    escalation_policy = models.ForeignKey(
        "incidents.EscalationPolicy", null=True, blank=True, on_delete=models.SET_NULL, related_name="incidents"
    )
    escalation_levels = models.JSONField(
        default=list, blank=True, help_text='[{"level": 1, "ack_timeout_seconds": 300, "targets": [...]}, ...]'
    )
    escalation_level = models.PositiveSmallIntegerField(default=0, help_text="0: nobody notified yet.")
    escalation_token = models.PositiveIntegerField(default=0, help_text="Fencing token of the escalation timer.")
    next_escalation_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=IncidentKind.values), name="incident_kind_valid"),
            models.CheckConstraint(condition=Q(severity__in=IncidentSeverity.values), name="incident_severity_valid"),
            models.CheckConstraint(condition=Q(status__in=IncidentStatus.values), name="incident_status_valid"),
            models.CheckConstraint(
                condition=Q(escalation_level__lte=MAX_ESCALATION_LEVEL), name="incident_escalation_level_range"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-id"], name="incident_status"),
            models.Index(fields=["severity", "status"], name="incident_severity_status"),
            models.Index(fields=["guild_id", "-id"], name="incident_guild"),
            models.Index(
                fields=["next_escalation_at"],
                name="incident_escalation_due",
                condition=Q(next_escalation_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"INC-{self.pk} {self.title}"

    @property
    def reference(self) -> str:
        return f"INC-{self.pk}"


class TimelineEntry(models.Model):
    """One line of an incident's story, append-only: every change writes one; notes are written by people."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline")
    occurred_at = models.DateTimeField()
    kind = models.CharField(max_length=16, choices=TimelineKind.choices)
    actor_label = models.CharField(max_length=150)
    message = models.CharField(max_length=500)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["incident", "occurred_at", "id"]
        indexes = [models.Index(fields=["incident", "occurred_at", "id"], name="incident_timeline_order")]
        verbose_name_plural = "timeline entries"

    def __str__(self) -> str:
        return f"{self.kind} on INC-{self.incident_id}"


class IncidentRule(models.Model):
    """Data, editable in the admin: which alerts, fraud cases or failing checks open an incident of which
    kind and severity. A match whose correlation key has an open incident opened within `dedup_window_minutes`
    joins that incident instead of opening another."""

    name = models.CharField(max_length=100, unique=True)
    is_active = models.BooleanField(default=True)
    source = models.CharField(max_length=16, choices=RuleSource.choices)
    alert_rule_slugs = models.JSONField(default=list, blank=True, help_text="Detection rule slugs (empty: any).")
    fraud_kinds = models.JSONField(default=list, blank=True, help_text="Fraud case kinds (empty: any).")
    check_ids = models.JSONField(default=list, blank=True, help_text="Compliance check ids (empty: any).")
    min_severity = models.CharField(max_length=16, choices=IncidentSeverity.choices, default=IncidentSeverity.HIGH)
    incident_kind = models.CharField(max_length=32, choices=IncidentKind.choices)
    incident_severity = models.CharField(
        max_length=16, choices=IncidentSeverity.choices, blank=True, help_text="Empty: the source's severity."
    )
    escalation_policy = models.ForeignKey(
        "incidents.EscalationPolicy", null=True, blank=True, on_delete=models.SET_NULL, related_name="rules"
    )
    dedup_window_minutes = models.PositiveIntegerField(default=60)
    position = models.PositiveSmallIntegerField(default=100, help_text="Rules are tried in this order.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name
