"""Privacy impact assessments (PIAs): a questionnaire about a processing, scored by rules in code.

The questionnaire (validated JSON, apps/privacy/assessments.py) gives a score, a level and suggested
mitigations; an assessment goes draft → submitted → approved | rejected, and the reviewer is never the
author (service and database constraint). An approved assessment is reviewed again at `next_review_at`.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from apps.privacy.choices import PiaStatus, RiskLevel


class PrivacyImpactAssessment(models.Model):
    title = models.CharField(max_length=200)
    processing = models.TextField(help_text="The processing assessed: what is done with whose data, and why.")
    questionnaire = models.JSONField(default=dict)
    score = models.PositiveSmallIntegerField(default=0)
    level = models.CharField(max_length=8, choices=RiskLevel.choices, default=RiskLevel.LOW)
    mitigations = models.JSONField(default=list, blank=True, help_text="Suggested by the rules in code.")
    status = models.CharField(max_length=12, choices=PiaStatus.choices, default=PiaStatus.DRAFT)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="authored_pias")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="reviewed_pias"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    next_review_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "privacy impact assessment"
        constraints = [
            models.CheckConstraint(condition=Q(status__in=PiaStatus.values), name="privacy_pia_status_valid"),
            models.CheckConstraint(condition=Q(level__in=RiskLevel.values), name="privacy_pia_level_valid"),
            models.CheckConstraint(condition=Q(score__lte=100), name="privacy_pia_score_range"),
            models.CheckConstraint(
                condition=Q(reviewer__isnull=True) | ~Q(reviewer=F("author")), name="privacy_pia_reviewer_not_author"
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_review_at"], condition=Q(status=PiaStatus.APPROVED), name="privacy_pia_review_due"
            )
        ]

    def __str__(self) -> str:
        return f"PIA #{self.pk}: {self.title}"
