"""Privacy alerts: data-subject requests near or past their due date, assessments due for review.

The security app's alerts are raised by its detection rules over security events; these are deadlines,
so the privacy app keeps its own. At most one open alert per kind and subject (partial unique
constraints): the beat job refreshes the open one instead of raising another.
"""

from django.db import models
from django.db.models import Q

from apps.privacy.choices import PrivacyAlertKind
from apps.privacy.models.assessments import PrivacyImpactAssessment
from apps.privacy.models.requests import DataSubjectRequest


class PrivacyAlert(models.Model):
    kind = models.CharField(max_length=24, choices=PrivacyAlertKind.choices)
    request = models.ForeignKey(
        DataSubjectRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    assessment = models.ForeignKey(
        PrivacyImpactAssessment, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    message = models.CharField(max_length=300)
    due_at = models.DateTimeField()
    raised_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    seen_count = models.PositiveIntegerField(default=1)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=PrivacyAlertKind.values), name="privacy_alert_kind_valid"),
            models.CheckConstraint(
                condition=Q(request__isnull=False) | Q(assessment__isnull=False), name="privacy_alert_has_subject"
            ),
            models.UniqueConstraint(
                fields=["kind", "request"],
                condition=Q(resolved_at__isnull=True, request__isnull=False),
                name="privacy_alert_one_open_per_request",
            ),
            models.UniqueConstraint(
                fields=["kind", "assessment"],
                condition=Q(resolved_at__isnull=True, assessment__isnull=False),
                name="privacy_alert_one_open_per_assessment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
