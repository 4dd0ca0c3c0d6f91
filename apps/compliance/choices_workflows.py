"""Choices of the workflow engine and the access review."""

from django.db import models


class WorkflowStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class StepStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    ESCALATED = "escalated", "Escalated"


# a step in one of these still waits for someone (and can time out)
OPEN_STEP_STATUSES = frozenset({StepStatus.PENDING, StepStatus.IN_PROGRESS, StepStatus.ESCALATED})


class AccessReviewStatus(models.TextChoices):
    OPEN = "open", "Open"
    COMPLETED = "completed", "Completed"


class AccessDecision(models.TextChoices):
    PENDING = "pending", "Pending"
    CERTIFIED = "certified", "Certified"
    REVOKED = "revoked", "Revoked"


# the workflows the platform itself starts (seeded after migrate, see services_workflows.py)
DSR_WORKFLOW_CODE = "dsr"
ACCESS_REVIEW_WORKFLOW_CODE = "access_review"
