"""A manual task: the runner leaves it waiting for its owner role until `manual_task_complete`."""

from datetime import timedelta

from django.utils import timezone

from apps.core.actors import Actor
from apps.incidents.actions.base import ActionOutcome, register_action
from apps.incidents.choices import StepAction
from apps.incidents.models import StepRun


@register_action(StepAction.MANUAL)
def manual(run: StepRun, actor: Actor) -> ActionOutcome:
    """Nothing is acted on: the task gets its owner role and due time (the runner marks it waiting)."""
    due_at = timezone.now() + timedelta(minutes=run.step.due_minutes or 0)
    return ActionOutcome(result={"owner_role": run.step.owner_role, "due_at": due_at.isoformat()})
