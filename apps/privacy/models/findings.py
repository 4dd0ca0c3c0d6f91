"""Personal data found in free text (bet descriptions, notes) by the PII scanner."""

from django.db import models
from django.db.models import Q

from apps.privacy.choices import FindingStatus, PiiKind


class PiiFinding(models.Model):
    """One piece of personal data (an email, a card number, …) found in one field of one row.

    The matched value itself is never stored: only a masked excerpt and a keyed hash of the value,
    which makes a re-scan of the same row idempotent (one finding per row, field and value).
    """

    model_label = models.CharField(max_length=100, help_text="app_label.ModelName of the scanned row.")
    object_id = models.CharField(max_length=64)
    field_name = models.CharField(max_length=64)
    guild_id = models.CharField(max_length=20, blank=True, help_text="Tenant of the row, when it has one.")
    kind = models.CharField(max_length=8, choices=PiiKind.choices)
    masked_excerpt = models.CharField(max_length=200)
    value_hash = models.CharField(max_length=64, help_text="Keyed hash of the matched value (not reversible).")
    status = models.CharField(max_length=12, choices=FindingStatus.choices, default=FindingStatus.OPEN)
    found_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["model_label", "object_id", "field_name", "value_hash"], name="privacy_finding_unique_value"
            ),
            models.CheckConstraint(condition=Q(kind__in=PiiKind.values), name="privacy_finding_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=FindingStatus.values), name="privacy_finding_status_valid"),
        ]
        indexes = [
            models.Index(fields=["status", "-id"], name="privacy_finding_status"),
            models.Index(fields=["model_label", "object_id"], name="privacy_finding_row"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} in {self.model_label}.{self.field_name} #{self.object_id}"
