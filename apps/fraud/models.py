"""Fraud cases: what a detector found, who is involved, and what analysts did about it.

A case names its cappers through `FraudCaseMember` (so the tenant and Discord user id come with each
one); `member_key` is the sorted capper ids, and at most one *open* case exists per kind and member
set (a partial unique constraint), so a repeated detection updates that case instead of opening
another. History rows and verdict labels are append-only.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.betting.models import Capper
from apps.fraud.choices import OPEN_CASE_STATUSES, CaseAction, CaseStatus, FraudKind


class FraudCase(models.Model):
    """One finding of one detector about one capper or one group of cappers."""

    kind = models.CharField(max_length=24, choices=FraudKind.choices)
    member_key = models.CharField(max_length=500, help_text="Sorted capper ids: the identity of the member set.")
    cappers = models.ManyToManyField(Capper, through="FraudCaseMember", related_name="fraud_cases")
    score = models.FloatField(help_text="0 to 1: how strongly the evidence points at fraud.")
    explanation = models.CharField(max_length=300)
    evidence = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=CaseStatus.choices, default=CaseStatus.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="fraud_cases"
    )
    detection_count = models.PositiveIntegerField(default=1)
    first_detected_at = models.DateTimeField()
    last_detected_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "member_key"],
                condition=Q(status__in=sorted(OPEN_CASE_STATUSES)),
                name="fraud_case_one_open_per_kind_and_members",
            ),
            models.CheckConstraint(condition=Q(kind__in=FraudKind.values), name="fraud_case_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=CaseStatus.values), name="fraud_case_status_valid"),
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=1), name="fraud_case_score_range"),
        ]
        indexes = [
            models.Index(fields=["kind", "status", "-id"], name="fraud_case_kind_status"),
            models.Index(fields=["status", "-id"], name="fraud_case_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} case {self.pk} ({self.status})"


class FraudCaseMember(models.Model):
    """A capper involved in a case."""

    case = models.ForeignKey(FraudCase, on_delete=models.CASCADE, related_name="members")
    capper = models.ForeignKey(Capper, on_delete=models.PROTECT, related_name="fraud_case_memberships")

    class Meta:
        ordering = ["case", "capper"]
        constraints = [models.UniqueConstraint(fields=["case", "capper"], name="fraud_case_member_unique")]

    def __str__(self) -> str:
        return f"capper {self.capper_id} in case {self.case_id}"


class FraudCaseEvent(models.Model):
    """One row of a case's history: a detection, a status change, an assignment or a note."""

    case = models.ForeignKey(FraudCase, on_delete=models.CASCADE, related_name="history")
    action = models.CharField(max_length=16, choices=CaseAction.choices)
    actor_label = models.CharField(max_length=150)
    from_status = models.CharField(max_length=16, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=CaseStatus.choices, blank=True)
    note = models.TextField(blank=True)
    score = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "id"]

    def __str__(self) -> str:
        return f"{self.action} on case {self.case_id}"


class FraudLabel(models.Model):
    """An analyst's verdict on a case (confirmed or dismissed): the ground truth per detector's precision."""

    case = models.ForeignKey(FraudCase, on_delete=models.CASCADE, related_name="labels")
    kind = models.CharField(max_length=24, choices=FraudKind.choices)
    verdict = models.CharField(max_length=16, choices=CaseStatus.choices)
    labelled_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(verdict__in=[CaseStatus.CONFIRMED, CaseStatus.DISMISSED]), name="fraud_label_is_a_verdict"
            )
        ]
        indexes = [models.Index(fields=["case", "-id"], name="fraud_label_latest_per_case")]

    def __str__(self) -> str:
        return f"{self.verdict} ({self.kind}) on case {self.case_id}"
