"""Regulatory clocks: deadlines by which an authority (and data subjects) must be told of an incident."""

from django.db import models

from apps.incidents.choices import ClockStatus


class ClockDefinition(models.Model):
    """A regulation's deadline, configurable: GDPR Art. 33 (72 h, when personal data is involved), NIS2's
    24-hour early warning … `kinds` and `min_severity` narrow which incidents it applies to."""

    regulation = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=150)
    hours = models.PositiveIntegerField()
    requires_personal_data = models.BooleanField(default=False)
    kinds = models.JSONField(default=list, blank=True, help_text="Incident kinds (empty: any).")
    min_severity = models.CharField(max_length=16, blank=True, help_text="Empty: any severity.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["hours", "regulation"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hours} h)"


class RegulatoryClock(models.Model):
    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="clocks")
    regulation = models.SlugField(max_length=40)
    name = models.CharField(max_length=150)
    started_at = models.DateTimeField(help_text="When the platform became aware (editable with a reason).")
    due_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=ClockStatus.choices, default=ClockStatus.RUNNING)
    start_change_reason = models.CharField(max_length=300, blank=True)
    reminded_50_at = models.DateTimeField(null=True, blank=True)
    reminded_90_at = models.DateTimeField(null=True, blank=True)
    overdue_at = models.DateTimeField(null=True, blank=True)
    authority_notified_at = models.DateTimeField(null=True, blank=True)
    authority_notice = models.CharField(max_length=500, blank=True, help_text="How, to whom, reference.")
    subjects_notified_at = models.DateTimeField(null=True, blank=True)
    subjects_notice = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["incident", "due_at"]
        constraints = [models.UniqueConstraint(fields=["incident", "regulation"], name="clock_once_per_regulation")]
        indexes = [models.Index(fields=["status", "due_at"], name="clock_status_due")]

    def __str__(self) -> str:
        return f"{self.name} of INC-{self.incident_id}"
