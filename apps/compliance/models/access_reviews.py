"""The quarterly access review: every staff account, certified or revoked by a reviewer.

A review snapshots each staff account's roles (groups) and superuser flag when it starts, so the
record shows what was certified even after the account changes. Nobody decides on their own
account: that item is assigned to another reviewer (the services refuse a self-review).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.compliance.choices import AccessDecision, AccessReviewStatus
from apps.compliance.models.workflows import WorkflowInstance


class AccessReview(models.Model):
    """One review period (e.g. 2026-Q4) of all staff accounts."""

    period = models.CharField(max_length=16, unique=True, help_text="e.g. 2026-Q4")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="access_reviews"
    )
    workflow = models.OneToOneField(
        WorkflowInstance, null=True, blank=True, on_delete=models.SET_NULL, related_name="access_review"
    )
    status = models.CharField(max_length=16, choices=AccessReviewStatus.choices, default=AccessReviewStatus.OPEN)
    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=AccessReviewStatus.values), name="compliance_review_status")
        ]

    def __str__(self) -> str:
        return f"Access review {self.period}"


class AccessReviewItem(models.Model):
    """One staff account in a review: its access when the review started, and the decision on it."""

    review = models.ForeignKey(AccessReview, on_delete=models.CASCADE, related_name="items")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="access_review_items"
    )
    username = models.CharField(max_length=150)
    groups = models.JSONField(default=list, help_text="Group (role) names when the review started.")
    is_superuser = models.BooleanField(default=False)
    last_login = models.DateTimeField(null=True, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision = models.CharField(max_length=16, choices=AccessDecision.choices, default=AccessDecision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["review", "username"]
        constraints = [
            models.UniqueConstraint(fields=["review", "user"], name="compliance_review_item_unique"),
            models.CheckConstraint(condition=Q(decision__in=AccessDecision.values), name="compliance_review_decision"),
        ]

    def __str__(self) -> str:
        return f"{self.username} in {self.review}"
