"""Automated checks: per-check settings, every run with its evidence, and evidence from other apps."""

from django.db import models
from django.db.models import Q

from apps.compliance.choices import CheckStatus, EvidenceKind, Severity
from apps.compliance.models.catalogue import Requirement


class CheckSetting(models.Model):
    """Per-check switches; a check without a row is enabled and never remediates automatically."""

    check_id = models.CharField(max_length=100, unique=True)
    is_enabled = models.BooleanField(default=True)
    auto_remediation_enabled = models.BooleanField(
        default=False, help_text="Let the check fix what it found (only checks that offer a remediation)."
    )
    frequency_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Overrides the check's own frequency when set."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["check_id"]

    def __str__(self) -> str:
        return self.check_id


class CheckRun(models.Model):
    """One run of one check: its outcome and the evidence (JSON, hashed) that led to it."""

    check_id = models.CharField(max_length=100)
    check_version = models.CharField(max_length=20)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    status = models.CharField(max_length=16, choices=CheckStatus.choices)
    summary = models.CharField(max_length=500)
    requirements = models.JSONField(default=list, help_text='["framework:ref", ...] at the time of the run')
    evidence = models.JSONField(default=dict)
    evidence_sha256 = models.CharField(max_length=64)
    remediation = models.JSONField(default=dict, blank=True, help_text="What auto-remediation did, if it ran.")
    duration_ms = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    trigger = models.CharField(max_length=16, default="schedule", help_text="schedule, command or manual")

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=CheckStatus.values), name="compliance_checkrun_status"),
            models.CheckConstraint(condition=Q(severity__in=Severity.values), name="compliance_checkrun_severity"),
        ]
        indexes = [
            models.Index(fields=["check_id", "-started_at"], name="compliance_checkrun_latest"),
            models.Index(fields=["status", "-started_at"], name="compliance_checkrun_status"),
        ]

    def __str__(self) -> str:
        return f"{self.check_id} {self.status} at {self.started_at:%Y-%m-%d %H:%M}"


class EvidenceItem(models.Model):
    """Evidence collected from other apps' activity (key rotations, detector runs), linked to requirements."""

    kind = models.CharField(max_length=16, choices=EvidenceKind.choices)
    source = models.CharField(max_length=100, help_text="What produced it, e.g. keyring or fraud.scan.")
    summary = models.CharField(max_length=300)
    data = models.JSONField(default=dict)
    sha256 = models.CharField(max_length=64)
    requirements = models.ManyToManyField(Requirement, blank=True, related_name="evidence_items")
    collected_at = models.DateTimeField()

    class Meta:
        ordering = ["-collected_at", "-id"]
        indexes = [models.Index(fields=["kind", "-collected_at"], name="compliance_evidence_kind")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.summary}"
