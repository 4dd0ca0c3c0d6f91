"""Reads of the workflow engine for the portal (C3's workflow inbox)."""

from django.db.models import Q

from apps.compliance.choices import OPEN_STEP_STATUSES, StepStatus, WorkflowStatus
from apps.compliance.models import WorkflowStep
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
