"""Remediation tasks: create, assign to a compliance officer or security analyst, complete; every change audited.

Who may do what is the portal's role check plus these rules: a task is assigned only to an active staff
account holding the compliance officer or security analyst role; it is completed by its assignee, or by a
compliance officer (or a superuser) on someone's behalf, with a note saying what was done.
"""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from apps.accounts.choices import StaffRole
from apps.audit.services import audit_record, field_changes
from apps.compliance.choices import RemediationStatus
from apps.compliance.models import CheckRun, RemediationTask, Requirement
from apps.compliance.people import role_members, user_holds_role
from apps.core.actors import Actor
from apps.core.errors import ApplicationError, ConflictError, PermissionDeniedError

ASSIGNABLE_ROLES = (StaffRole.COMPLIANCE_OFFICER.value, StaffRole.SECURITY_ANALYST.value)


def assignable_users():
    """Active staff who may be given a remediation task (officers and analysts), by username."""
    officers, analysts = (role_members(role) for role in ASSIGNABLE_ROLES)
    return (officers | analysts).distinct().order_by("username")


def _check_assignee(user) -> None:
    if user is not None and not any(user_holds_role(user, role) for role in ASSIGNABLE_ROLES):
        raise ApplicationError(
            gettext("%(username)s is not an active compliance officer or security analyst.")
            % {"username": user.get_username()},
            code="remediation_assignee_invalid",
            fields={"assignee": [gettext("Choose a compliance officer or a security analyst.")]},
        )


def _check_requirement(key: str) -> str:
    key = (key or "").strip()
    if not key:
        return ""
    framework_id, _, ref = key.partition(":")
    if not Requirement.objects.filter(framework_id=framework_id, ref=ref).exists():
        message = gettext("No requirement %(key)r: write it as framework:ref, e.g. soc2:CC6.1.") % {"key": key}
        raise ApplicationError(message, code="requirement_not_found", fields={"requirement_key": [message]})
    return key


def _snapshot(task: RemediationTask) -> dict:
    return {
        "title": task.title,
        "requirement": task.requirement_key,
        "check_run": task.check_run_id,
        "status": task.status,
        "assignee": task.assignee_id,
        "due_on": task.due_on.isoformat() if task.due_on else None,
    }


@transaction.atomic
def remediation_task_create(
    *,
    actor: Actor,
    title: str,
    description: str = "",
    requirement_key: str = "",
    check_run: CheckRun | None = None,
    assignee=None,
    due_on: date | None = None,
) -> RemediationTask:
    """A new open task (assigned at once when an assignee is given); invalid input writes nothing."""
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise ApplicationError(
            gettext("Give the task a title of 1 to 200 characters."), fields={"title": [gettext("Required.")]}
        )
    if due_on is not None and due_on < timezone.now().date():
        raise ApplicationError(
            gettext("The due date is in the past."), fields={"due_on": [gettext("Choose today or a later day.")]}
        )
    _check_assignee(assignee)
    task = RemediationTask.objects.create(
        title=title,
        description=(description or "").strip(),
        requirement_key=_check_requirement(requirement_key),
        check_run=check_run,
        assignee=assignee,
        assigned_at=timezone.now() if assignee is not None else None,
        due_on=due_on,
        created_by=actor.label[:150],
    )
    audit_record(
        actor=actor, action="compliance.remediation_created", target=task, changes=field_changes({}, _snapshot(task))
    )
    return task


def _locked_open(task: RemediationTask) -> RemediationTask:
    task = RemediationTask.objects.select_for_update().get(pk=task.pk)
    if task.status != RemediationStatus.OPEN:
        raise ConflictError(gettext("'%(title)s' is already done.") % {"title": task.title}, code="remediation_done")
    return task


@transaction.atomic
def remediation_task_assign(*, task: RemediationTask, assignee, actor: Actor) -> RemediationTask:
    """Give an open task to an officer or analyst (or to nobody: None)."""
    task = _locked_open(task)
    _check_assignee(assignee)
    before = _snapshot(task)
    task.assignee = assignee
    task.assigned_at = timezone.now() if assignee is not None else None
    task.save(update_fields=["assignee", "assigned_at"])
    audit_record(
        actor=actor,
        action="compliance.remediation_assigned",
        target=task,
        changes=field_changes(before, _snapshot(task)),
    )
    return task


@transaction.atomic
def remediation_task_complete(*, task: RemediationTask, user, actor: Actor, note: str) -> RemediationTask:
    """Mark an open task done: by its assignee, or by a compliance officer; the note says what was done."""
    note = (note or "").strip()
    if not note:
        raise ApplicationError(
            gettext("Say what was done to complete the task."), fields={"note": [gettext("Required.")]}
        )
    task = _locked_open(task)
    if task.assignee_id != user.pk and not user_holds_role(user, StaffRole.COMPLIANCE_OFFICER.value):
        raise PermissionDeniedError(
            gettext("Only the task's assignee or a compliance officer may complete it."), code="remediation_not_yours"
        )
    before = _snapshot(task)
    task.status, task.completed_by, task.completed_at = RemediationStatus.DONE, user, timezone.now()
    task.completion_note = note[:4000]
    task.save(update_fields=["status", "completed_by", "completed_at", "completion_note"])
    audit_record(
        actor=actor,
        action="compliance.remediation_completed",
        target=task,
        changes=field_changes(before, _snapshot(task)),
        reason=task.completion_note[:500],
    )
    return task
