from django.db import models


class FraudKind(models.TextChoices):
    """What a detector found; one detector per kind (apps/fraud/detectors/)."""

    LATE_POSTING = "late_posting", "Late posting"
    SETTLEMENT_ABUSE = "settlement_abuse", "Settlement abuse"
    OPPOSITE_SIDE_RING = "opposite_side_ring", "Opposite-side ring"
    COPY_RING = "copy_ring", "Copy ring"
    BOT_ACTIVITY = "bot_activity", "Bot activity"
    IMPROBABLE_RECORD = "improbable_record", "Improbable record"
    OUTLIER = "outlier", "Outlier"


class CaseStatus(models.TextChoices):
    NEW = "new", "New"
    INVESTIGATING = "investigating", "Investigating"
    CONFIRMED = "confirmed", "Confirmed"
    DISMISSED = "dismissed", "Dismissed"


OPEN_CASE_STATUSES = frozenset({CaseStatus.NEW, CaseStatus.INVESTIGATING})
VERDICT_STATUSES = frozenset({CaseStatus.CONFIRMED, CaseStatus.DISMISSED})


class CaseAction(models.TextChoices):
    """What a history row of a case records."""

    DETECTED = "detected", "Detected"
    REDETECTED = "redetected", "Detected again (evidence updated)"
    STATUS_CHANGED = "status_changed", "Status changed"
    ASSIGNED = "assigned", "Assignee changed"
    NOTED = "noted", "Note added"
