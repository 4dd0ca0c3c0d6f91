"""States and kinds of the model registry."""

from django.db import models

CHAMPION = "champion"
CHALLENGER = "challenger"


class VersionStatus(models.TextChoices):
    READY = "ready", "Ready"
    # its stored bytes no longer match its SHA-256: it never loads again (a new version must be trained)
    TAMPERED = "tampered", "Tampered (refused to load)"


class AliasMoveKind(models.TextChoices):
    MOVE = "move", "Moved"
    NEW_VERSION = "new_version", "Set to a new version"
    PROMOTION = "promotion", "Promotion approved"
    ROLLBACK = "rollback", "Rolled back"


class PromotionStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class DriftStatus(models.TextChoices):
    STABLE = "stable", "Stable"
    DRIFT = "drift", "Drift"
    INSUFFICIENT = "insufficient", "Too few logged rows"
