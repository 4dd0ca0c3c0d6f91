"""Behavioural baselines: what is usual for a staff user or a capper, computed periodically."""

from django.db import models

from apps.security.choices import BaselineSubject


class Baseline(models.Model):
    """The profile of one subject over a past window; recent activity is compared against it."""

    subject_kind = models.CharField(max_length=16, choices=BaselineSubject.choices)
    subject_id = models.CharField(max_length=64)
    subject_label = models.CharField(max_length=150, blank=True)
    guild_id = models.CharField(max_length=20, blank=True)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    sample_size = models.PositiveIntegerField(default=0)
    profile = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["subject_kind", "subject_label"]
        constraints = [
            models.UniqueConstraint(fields=["subject_kind", "subject_id"], name="baseline_unique_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.get_subject_kind_display()} {self.subject_label or self.subject_id}"
