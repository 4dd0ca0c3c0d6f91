"""The workflow engine: definitions (validated steps), start, claim, complete, fail, escalate.

Only the current step (the first one not completed) can be claimed, completed or failed; completing
it starts the next step's clock, completing the last completes the workflow, failing a step fails
the workflow. A step past its due time is escalated by beat (and its people e-mailed); an escalated
step can still be completed. Every change is audited.

The first step of a data-subject request's workflow ("Verify identity") is the verification itself:
completing it records, in the same transaction, how the person completing it verified the requester
(the privacy service's rules apply: a staff person, the method required), unless the request was
verified already on its own page.
"""

from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext

from apps.accounts.choices import StaffRole
from apps.audit.services import audit_record, field_changes
from apps.compliance.choices import (
    ACCESS_REVIEW_WORKFLOW_CODE,
    DSR_WORKFLOW_CODE,
    OPEN_STEP_STATUSES,
    StepStatus,
    WorkflowStatus,
)
from apps.compliance.models import WorkflowDefinition, WorkflowInstance, WorkflowStep
from apps.compliance.notifications import workflow_step_notify
from apps.compliance.people import user_holds_role
from apps.compliance.signals import workflow_step_changed
from apps.core.actors import Actor
from apps.core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from apps.privacy import services as privacy_services
from apps.privacy.choices import RequestStatus
from apps.privacy.models import DataSubjectRequest

OFFICER = StaffRole.COMPLIANCE_OFFICER.value

# The workflows the platform starts itself; created after migrate when missing (never overwritten:
# staff may tune names and due times in the admin).
DEFAULT_DEFINITIONS = {
    DSR_WORKFLOW_CODE: {
        "name": "Data-subject request",
        "description": "Verify who is asking, gather the data, review it, respond within the legal deadline.",
        "steps": [
            {"name": "Verify identity", "assignee_role": OFFICER, "due_hours": 72},
            {"name": "Gather data", "assignee_role": OFFICER, "due_hours": 7 * 24},
            {"name": "Review", "assignee_role": OFFICER, "due_hours": 72},
            {"name": "Respond", "assignee_role": OFFICER, "due_hours": 72},
        ],
    },
    ACCESS_REVIEW_WORKFLOW_CODE: {
        "name": "Quarterly access review",
        "description": "Certify or revoke the roles of every staff account.",
        "steps": [{"name": "Certify or revoke each staff account", "assignee_role": OFFICER, "due_hours": 14 * 24}],
    },
}


def workflow_steps_validate(steps) -> list[dict]:
    """Ordered steps [{name, assignee_role, due_hours}]: 1 to 20, names given, known roles, 1 h to 1 year."""

    def refuse(message: str) -> ApplicationError:
        return ApplicationError(message, code="invalid_workflow_steps", fields={"steps": [message]})

    if not isinstance(steps, list) or not 1 <= len(steps) <= 20:
        raise refuse(gettext("Give the steps as a list of 1 to 20 objects {name, assignee_role, due_hours}."))
    cleaned = []
    for number, step in enumerate(steps, start=1):
        if not isinstance(step, dict) or set(step) - {"name", "assignee_role", "due_hours"}:
            raise refuse(
                gettext("Step %(number)s: only name, assignee_role and due_hours are allowed.") % {"number": number}
            )
        name, role, hours = str(step.get("name", "")).strip(), step.get("assignee_role", ""), step.get("due_hours")
        if not name or len(name) > 120:
            raise refuse(gettext("Step %(number)s: give a name of 1 to 120 characters.") % {"number": number})
        if role and role not in StaffRole.values:
            raise refuse(
                gettext("Step %(number)s: unknown role %(role)r; choose one of %(choices)s.")
                % {"number": number, "role": role, "choices": ", ".join(StaffRole.values)}
            )
        if isinstance(hours, bool) or not isinstance(hours, int) or not 1 <= hours <= 8760:
            raise refuse(
                gettext("Step %(number)s: due_hours must be a whole number of hours from 1 to 8760.")
                % {"number": number}
            )
        cleaned.append({"name": name, "assignee_role": role or "", "due_hours": hours})
    return cleaned


@transaction.atomic
def workflow_definition_save(*, definition: WorkflowDefinition, actor: Actor) -> WorkflowDefinition:
    """Create or change a definition (steps validated); running workflows keep the steps they started with."""
    definition.steps = workflow_steps_validate(definition.steps)
    before = {}
    if definition.pk is not None:
        old = WorkflowDefinition.objects.select_for_update().get(pk=definition.pk)
        before = {"code": old.code, "name": old.name, "steps": old.steps, "is_active": old.is_active}
    created = definition.pk is None
    definition.save()
    after = {
        "code": definition.code,
        "name": definition.name,
        "steps": definition.steps,
        "is_active": definition.is_active,
    }
    changes = field_changes(before, after)
    if changes:
        action = "compliance.workflow_definition_created" if created else "compliance.workflow_definition_updated"
        audit_record(actor=actor, action=action, target=definition, changes=changes)
    return definition


def workflow_definitions_ensure() -> int:
    """Create the platform's default definitions that are missing (idempotent); returns how many.

    Seed data from code, like the role groups: not audited (it runs after every migrate, and the
    audit trail records people's and jobs' changes); later changes go through the audited save."""
    created = 0
    for code, values in DEFAULT_DEFINITIONS.items():
        _, was_created = WorkflowDefinition.objects.get_or_create(code=code, defaults=values)
        created += int(was_created)
    return created


def subject_reference(subject: models.Model) -> str:
    return f"{subject._meta.label_lower}:{subject.pk}"


@transaction.atomic
def workflow_start(
    *,
    code: str,
    actor: Actor,
    title: str,
    subject: models.Model | None = None,
    subject_ref: str = "",
    now=None,
) -> tuple[WorkflowInstance, bool]:
    """Start a workflow about a subject (a row or a string reference); the running one if it exists."""
    definition = WorkflowDefinition.objects.filter(code=code, is_active=True).first()
    if definition is None:
        workflow_definitions_ensure()
        definition = WorkflowDefinition.objects.filter(code=code, is_active=True).first()
    if definition is None:
        raise NotFoundError(gettext("No active workflow %(code)r.") % {"code": code}, code="workflow_not_found")
    reference = subject_reference(subject) if subject is not None else subject_ref.strip()
    if not reference:
        raise ApplicationError(
            gettext("Name the workflow's subject (a row or a reference)."), code="workflow_subject_missing"
        )
    existing = WorkflowInstance.objects.filter(definition=definition, subject_ref=reference).first()
    if existing is not None:
        return existing, False
    now = now or timezone.now()
    try:
        with transaction.atomic():  # a concurrent start for the same subject: the constraint decides
            instance = WorkflowInstance.objects.create(
                definition=definition,
                subject_type=ContentType.objects.get_for_model(subject) if subject is not None else None,
                subject_id=str(subject.pk) if subject is not None else "",
                subject_ref=reference[:200],
                title=title[:200],
                started_by=actor.label[:150],
                started_at=now,
            )
    except IntegrityError:
        return WorkflowInstance.objects.get(definition=definition, subject_ref=reference), False
    steps = [
        WorkflowStep(
            instance=instance,
            order=order,
            name=step["name"],
            assignee_role=step["assignee_role"],
            due_hours=step["due_hours"],
            started_at=now if order == 1 else None,
            due_at=now + timedelta(hours=step["due_hours"]) if order == 1 else None,
        )
        for order, step in enumerate(definition.steps, start=1)
    ]
    WorkflowStep.objects.bulk_create(steps)
    audit_record(
        actor=actor,
        action="compliance.workflow_started",
        target=instance,
        changes=field_changes({}, {"definition": definition.code, "subject": reference, "steps": len(steps)}),
    )
    return instance, True


def _current_step(step: WorkflowStep) -> WorkflowStep:
    """Lock the step's workflow and the step; refuse if the step is not the workflow's current one."""
    instance = WorkflowInstance.objects.select_for_update().get(pk=step.instance_id)
    step = WorkflowStep.objects.select_for_update(of=("self",)).select_related("instance").get(pk=step.pk)
    if instance.status != WorkflowStatus.IN_PROGRESS:
        raise ConflictError(
            gettext("The workflow is %(status)s.") % {"status": instance.status}, code="workflow_finished"
        )
    current = instance.steps.exclude(status=StepStatus.COMPLETED).order_by("order").first()
    if current is None or current.pk != step.pk or step.status not in OPEN_STEP_STATUSES:
        raise ConflictError(
            gettext("'%(name)s' is not the current step of this workflow.") % {"name": step.name},
            code="step_not_current",
        )
    return step


def _may_work_on(step: WorkflowStep, user) -> None:
    if step.assignee_id is not None and step.assignee_id != user.pk and not user.is_superuser:
        raise PermissionDeniedError(gettext("This step is assigned to someone else."), code="step_assigned_elsewhere")
    if not user_holds_role(user, step.assignee_role):
        raise PermissionDeniedError(
            gettext("This step needs the %(assignee_role)s role.") % {"assignee_role": step.assignee_role},
            code="step_role_required",
        )


def _step_audit(step: WorkflowStep, actor: Actor, action: str, before: dict, note: str = "") -> None:
    after = {"status": step.status, "assignee": step.assignee_id}
    audit_record(actor=actor, action=action, target=step, changes=field_changes(before, after), reason=note)
    workflow_step_changed.send(sender=WorkflowStep, step_id=step.pk, instance_id=step.instance_id, status=step.status)


@transaction.atomic
def workflow_step_claim(*, step: WorkflowStep, user, actor: Actor) -> WorkflowStep:
    """Take the current step: it becomes the user's and in progress."""
    step = _current_step(step)
    if step.assignee_id is not None and step.assignee_id != user.pk:
        raise ConflictError(gettext("Someone else has claimed this step."), code="step_claimed")
    _may_work_on(step, user)
    before = {"status": step.status, "assignee": step.assignee_id}
    step.assignee = user
    if step.status == StepStatus.PENDING:
        step.status = StepStatus.IN_PROGRESS
    step.save(update_fields=["assignee", "status"])
    _step_audit(step, actor, "compliance.workflow_step_claimed", before)
    return step


def _finish_step(step: WorkflowStep, *, user, actor: Actor, status: str, notes: str, now) -> WorkflowStep:
    before = {"status": step.status, "assignee": step.assignee_id}
    step.status, step.completed_by, step.completed_at, step.outcome_notes = status, user, now, notes
    step.assignee = step.assignee or user
    step.save(update_fields=["status", "completed_by", "completed_at", "outcome_notes", "assignee"])
    action = (
        "compliance.workflow_step_completed" if status == StepStatus.COMPLETED else "compliance.workflow_step_failed"
    )
    _step_audit(step, actor, action, before, notes)
    instance = step.instance
    following = instance.steps.filter(order__gt=step.order).order_by("order").first()
    if status == StepStatus.COMPLETED and following is not None:
        following.started_at, following.due_at = now, now + timedelta(hours=following.due_hours)
        following.save(update_fields=["started_at", "due_at"])
        return step
    instance.status = WorkflowStatus.COMPLETED if status == StepStatus.COMPLETED else WorkflowStatus.FAILED
    instance.finished_at = now
    instance.save(update_fields=["status", "finished_at"])
    audit_record(
        actor=actor,
        action=f"compliance.workflow_{instance.status}",
        target=instance,
        changes=field_changes({"status": WorkflowStatus.IN_PROGRESS}, {"status": instance.status}),
    )
    return step


def _is_dsr_verification(step: WorkflowStep) -> bool:
    """The "Verify identity" step: the first of a data-subject request's workflow (staff may rename it)."""
    return step.order == 1 and step.instance.definition.code == DSR_WORKFLOW_CODE and bool(step.instance.subject_id)


def _dsr_verify_from_step(step: WorkflowStep, *, actor: Actor, method: str, notes: str) -> None:
    """Record the verification on the request itself (nothing to do if it was verified on its own page)."""
    request = DataSubjectRequest.objects.filter(pk=step.instance.subject_id).first()
    if request is None or request.is_verified:
        return
    if not method:
        raise ApplicationError(
            gettext(
                "Say how you verified the requester's identity: choose a verification method to complete this step."
            ),
            code="verification_method_required",
            fields={"verification_method": [gettext("Choose how you verified the requester's identity.")]},
        )
    privacy_services.request_verify_identity(request=request, actor=actor, method=method, note=notes[:500])


@transaction.atomic
def workflow_step_complete(
    *, step: WorkflowStep, user, actor: Actor, notes: str = "", verification_method: str = "", now=None
) -> WorkflowStep:
    """Complete the current step (the next one's clock starts; the last one completes the workflow).

    Completing a data-subject request's "Verify identity" step verifies the requester's identity on the
    request (`verification_method` required), through the privacy service."""
    step = _current_step(step)
    _may_work_on(step, user)
    if _is_dsr_verification(step):
        _dsr_verify_from_step(step, actor=actor, method=verification_method, notes=notes)
    return _finish_step(
        step, user=user, actor=actor, status=StepStatus.COMPLETED, notes=notes, now=now or timezone.now()
    )


@transaction.atomic
def workflow_step_fail(*, step: WorkflowStep, user, actor: Actor, notes: str) -> WorkflowStep:
    """Fail the current step, and with it the workflow; the notes say why."""
    if not notes.strip():
        raise ApplicationError(gettext("Say why the step failed."), fields={"notes": [gettext("Required.")]})
    step = _current_step(step)
    _may_work_on(step, user)
    return _finish_step(step, user=user, actor=actor, status=StepStatus.FAILED, notes=notes, now=timezone.now())


@transaction.atomic
def _escalate_step(step_id: int, *, actor: Actor, now) -> bool:
    step = WorkflowStep.objects.select_for_update(skip_locked=True).filter(pk=step_id).first()
    if step is None or step.status not in (StepStatus.PENDING, StepStatus.IN_PROGRESS) or not step.due_at:
        return False
    if step.due_at > now:
        return False
    before = {"status": step.status, "assignee": step.assignee_id}
    step.status, step.escalated_at = StepStatus.ESCALATED, now
    step.save(update_fields=["status", "escalated_at"])
    _step_audit(step, actor, "compliance.workflow_step_escalated", before)
    workflow_step_notify(step=step)
    return True


def workflow_steps_escalate_overdue(*, actor: Actor, now=None) -> int:
    """Escalate every current step past its due time (of running workflows); returns how many."""
    now = now or timezone.now()
    overdue = WorkflowStep.objects.filter(
        status__in=[StepStatus.PENDING, StepStatus.IN_PROGRESS],
        due_at__lte=now,
        instance__status=WorkflowStatus.IN_PROGRESS,
    ).values_list("pk", flat=True)
    return sum(_escalate_step(step_id, actor=actor, now=now) for step_id in list(overdue))


@transaction.atomic
def workflow_step_complete_on_behalf(
    *, step: WorkflowStep, completed_by, actor: Actor, notes: str = ""
) -> WorkflowStep:
    """Complete the current step because the work it stands for finished elsewhere (e.g. the last access
    review decision): no role check, the person who finished the work is recorded."""
    step = _current_step(step)
    return _finish_step(
        step, user=completed_by, actor=actor, status=StepStatus.COMPLETED, notes=notes, now=timezone.now()
    )


def dsr_workflow_sync(*, request, actor: Actor) -> str:
    """Move a data-subject request's workflow along with the request itself: a verified identity
    completes "Verify identity", a completed request completes the open steps, a rejected one fails
    the current step. People still work the middle steps in the inbox. Returns the workflow status."""
    instance = WorkflowInstance.objects.filter(
        definition__code=DSR_WORKFLOW_CODE, subject_ref=subject_reference(request)
    ).first()
    if instance is None or instance.status != WorkflowStatus.IN_PROGRESS:
        return instance.status if instance is not None else ""
    status = getattr(request, "status", "")
    while instance.status == WorkflowStatus.IN_PROGRESS:
        step = instance.steps.exclude(status=StepStatus.COMPLETED).order_by("order").first()
        if status == RequestStatus.REJECTED:
            _fail_on_behalf(step=step, actor=actor, notes=f"Request rejected: {request.resolution}"[:2000])
        elif status == RequestStatus.COMPLETED or (step.order == 1 and request.verified_at is not None):
            workflow_step_complete_on_behalf(step=step, completed_by=None, actor=actor, notes=f"request {status}")
        else:
            break
        instance.refresh_from_db()
    return instance.status


@transaction.atomic
def _fail_on_behalf(*, step: WorkflowStep, actor: Actor, notes: str) -> WorkflowStep:
    step = _current_step(step)
    return _finish_step(step, user=None, actor=actor, status=StepStatus.FAILED, notes=notes, now=timezone.now())
