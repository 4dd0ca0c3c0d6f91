"""Post-incident reviews (generated from the timeline when an incident closes) and their follow-ups."""

from django.conf import settings
from django.db import models

from apps.incidents.choices import FollowUpStatus, ReviewStatus


class Review(models.Model):
    incident = models.OneToOneField("incidents.Incident", on_delete=models.CASCADE, related_name="review")
    status = models.CharField(max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT)
    generated_at = models.DateTimeField()
    durations = models.JSONField(
        default=dict, help_text="Seconds from the first linked event to acknowledge, contain, recover …"
    )
    actions = models.JSONField(default=list, help_text="The playbook steps run and their results.")
    impact = models.JSONField(default=dict, help_text="Tenants, members, bets and units affected.")
    cost_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    cost_currency = models.CharField(max_length=3, default="EUR")
    cost_notes = models.TextField(blank=True)
    summary = models.TextField(blank=True)
    root_cause = models.TextField(blank=True)
    lessons_learned = models.TextField(blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    approved_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        permissions = [("approve_review", "Can approve a post-incident review (not of one's own incident)")]

    def __str__(self) -> str:
        return f"Review of INC-{self.incident_id} ({self.status})"


class FollowUp(models.Model):
    """A recommendation of a review, tracked as a task with an owner and a due date."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="follow_ups")
    recommendation = models.TextField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="incident_follow_ups")
    due_on = models.DateField()
    status = models.CharField(max_length=16, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["review", "due_on", "id"]

    def __str__(self) -> str:
        return f"Follow-up {self.pk} of review {self.review_id}"
