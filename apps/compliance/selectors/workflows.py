"""Reads of the workflow engine and the access review for the portal (C3's workflow inbox)."""

from django.db.models import Q, QuerySet

from apps.compliance.choices import OPEN_STEP_STATUSES, AccessDecision, StepStatus, WorkflowStatus
from apps.compliance.models import AccessReview, AccessReviewItem, WorkflowInstance, WorkflowStep
from apps.compliance.people import user_holds_role


def workflow_inbox(user) -> list[WorkflowStep]:
    """The current steps of running workflows this user can act on: assigned to them, or unassigned
    with a role they hold (superusers see every current step). Overdue first, then by due time."""
    if user is None or not user.is_authenticated:
        return []
    steps = (
        WorkflowStep.objects.filter(
            status__in=OPEN_STEP_STATUSES, started_at__isnull=False, instance__status=WorkflowStatus.IN_PROGRESS
        )
        .filter(Q(assignee=user) | Q(assignee__isnull=True))
        .select_related("instance__definition", "assignee")
        .order_by("due_at", "pk")
    )
    roles_held: dict[str, bool] = {}
    inbox = []
    for step in steps:
        if step.assignee_id is None and not user.is_superuser:
            if step.assignee_role not in roles_held:
                roles_held[step.assignee_role] = user_holds_role(user, step.assignee_role)
            if not roles_held[step.assignee_role]:
                continue
        inbox.append(step)
    return sorted(inbox, key=lambda step: (step.status != StepStatus.ESCALATED, step.due_at, step.pk))


def workflow_list(*, status: str | None = None) -> QuerySet[WorkflowInstance]:
    """Workflows, newest first, with their definition and steps (one extra query)."""
    instances = WorkflowInstance.objects.select_related("definition").prefetch_related("steps__assignee")
    return instances.filter(status=status) if status else instances


def workflow_get(*, instance_id: int) -> WorkflowInstance | None:
    return workflow_list().filter(pk=instance_id).first()


def access_review_current() -> AccessReview | None:
    """The newest access review."""
    return AccessReview.objects.select_related("reviewer", "workflow").order_by("-started_at").first()


def access_review_items(*, review: AccessReview, reviewer=None) -> QuerySet[AccessReviewItem]:
    """A review's items by username (only those assigned to `reviewer` when given)."""
    items = review.items.select_related("user", "reviewer", "decided_by")
    if reviewer is not None:
        items = items.filter(reviewer=reviewer)
    return items.order_by("username")


def access_review_pending_count(*, review: AccessReview) -> int:
    return review.items.filter(decision=AccessDecision.PENDING).count()
