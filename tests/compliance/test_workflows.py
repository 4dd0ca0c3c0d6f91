"""The workflow engine: definitions validated, steps in order with due times, claim / complete / fail
by the right people, escalation of overdue steps by beat (e-mailed), and the DSR workflow started by
the privacy app's signal."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.choices import StaffRole
from apps.accounts.services import member_create
from apps.audit.models import AuditEvent
from apps.compliance.choices import DSR_WORKFLOW_CODE, StepStatus, WorkflowStatus
from apps.compliance.models import WorkflowDefinition, WorkflowInstance, WorkflowStep
from apps.compliance.schedules import AUTOMATION_SCHEDULES
from apps.compliance.selectors.workflows import workflow_inbox
from apps.compliance.services.workflows import (
    workflow_definition_save,
    workflow_start,
    workflow_step_claim,
    workflow_step_complete,
    workflow_step_fail,
    workflow_steps_escalate_overdue,
)
from apps.core.actors import Actor
from apps.core.beat import declared_schedules
from apps.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from apps.privacy.choices import RequestStatus, VerificationMethod
from apps.privacy.models import DataSubjectRequest
from apps.privacy.services.requests import request_receive, request_reject, request_verify_identity
from dbsbm.celery import app as celery_app
from tests.actors import staff_actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def review_flow(actor):
    steps = [
        {"name": "Collect", "assignee_role": StaffRole.COMPLIANCE_OFFICER, "due_hours": 24},
        {"name": "Approve", "assignee_role": StaffRole.SECURITY_ANALYST, "due_hours": 48},
    ]
    return workflow_definition_save(
        definition=WorkflowDefinition(code="vendor", name="Vendor review", steps=steps), actor=actor
    )


def _steps(instance) -> list[tuple]:
    return list(instance.steps.order_by("order").values_list("name", "status", "assignee__username"))


def test_default_workflows_exist_after_migrate():
    dsr = WorkflowDefinition.objects.get(code=DSR_WORKFLOW_CODE)

    assert [step["name"] for step in dsr.steps] == ["Verify identity", "Gather data", "Review", "Respond"]
    assert WorkflowDefinition.objects.filter(code="access_review").exists()


def test_starting_copies_the_steps_and_only_the_first_is_due(actor, review_flow):
    now = timezone.now()

    instance, created = workflow_start(code="vendor", actor=actor, title="Acme", subject_ref="vendor:acme", now=now)

    first, second = instance.steps.order_by("order")
    assert created and instance.status == WorkflowStatus.IN_PROGRESS
    assert (first.name, first.started_at, first.due_at) == ("Collect", now, now + timedelta(hours=24))
    assert (second.name, second.started_at, second.due_at) == ("Approve", None, None)
    again, created_again = workflow_start(code="vendor", actor=actor, title="Acme", subject_ref="vendor:acme")
    assert (again, created_again) == (instance, False)
    assert AuditEvent.objects.filter(action="compliance.workflow_started").count() == 1


def test_steps_are_claimed_and_completed_in_order_by_their_role(actor, review_flow, officer, staff_user):  # noqa: F811
    analyst = staff_user(StaffRole.SECURITY_ANALYST, username="analyst")
    instance, _ = workflow_start(code="vendor", actor=actor, title="Acme", subject_ref="vendor:acme")
    first, second = instance.steps.order_by("order")

    with pytest.raises(ConflictError, match="'Approve' is not the current step"):
        workflow_step_claim(step=second, user=analyst, actor=actor)
    with pytest.raises(PermissionDeniedError, match="needs the compliance_officer role"):
        workflow_step_claim(step=first, user=analyst, actor=actor)
    workflow_step_claim(step=first, user=officer, actor=actor)
    with pytest.raises(ConflictError, match="Someone else has claimed"):
        workflow_step_claim(step=first, user=staff_user(StaffRole.COMPLIANCE_OFFICER, username="o3"), actor=actor)
    before = timezone.now()
    workflow_step_complete(step=first, user=officer, actor=actor, notes="documents in")
    second.refresh_from_db()
    assert second.started_at >= before and second.due_at == second.started_at + timedelta(hours=48)
    workflow_step_complete(step=second, user=analyst, actor=actor)

    instance.refresh_from_db()
    assert instance.status == WorkflowStatus.COMPLETED and instance.finished_at is not None
    assert _steps(instance) == [("Collect", "completed", "officer"), ("Approve", "completed", "analyst")]
    actions = list(
        AuditEvent.objects.filter(action__startswith="compliance.workflow")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "compliance.workflow_definition_created",
        "compliance.workflow_started",
        "compliance.workflow_step_claimed",
        "compliance.workflow_step_completed",
        "compliance.workflow_step_completed",
        "compliance.workflow_completed",
    ]


def test_failing_a_step_fails_the_workflow_and_needs_a_reason(actor, review_flow, officer):  # noqa: F811
    instance, _ = workflow_start(code="vendor", actor=actor, title="Acme", subject_ref="vendor:acme")
    first = instance.steps.get(order=1)

    with pytest.raises(ApplicationError, match="Say why the step failed"):
        workflow_step_fail(step=first, user=officer, actor=actor, notes=" ")
    workflow_step_fail(step=first, user=officer, actor=actor, notes="vendor refused the audit")

    instance.refresh_from_db()
    assert instance.status == WorkflowStatus.FAILED
    with pytest.raises(ConflictError, match="The workflow is failed"):
        workflow_step_complete(step=instance.steps.get(order=2), user=officer, actor=actor)


def test_overdue_steps_escalate_once_and_their_people_are_emailed(
    actor,
    review_flow,
    officer,  # noqa: F811
    second_officer,  # noqa: F811
    smtp_server,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    instance, _ = workflow_start(code="vendor", actor=actor, title="Acme", subject_ref="vendor:acme")
    step = instance.steps.get(order=1)

    with django_capture_on_commit_callbacks(execute=True):
        assert workflow_steps_escalate_overdue(actor=actor, now=step.due_at - timedelta(seconds=1)) == 0
        assert workflow_steps_escalate_overdue(actor=actor, now=step.due_at + timedelta(seconds=1)) == 1
        assert workflow_steps_escalate_overdue(actor=actor, now=step.due_at + timedelta(hours=1)) == 0

    step.refresh_from_db()
    assert step.status == StepStatus.ESCALATED and step.escalated_at == step.due_at + timedelta(seconds=1)
    assert [sorted(mail.recipients) for mail in smtp_server.mails] == [["officer2@dbsbm.test", "officer@dbsbm.test"]]
    assert smtp_server.mails[0].message["Subject"] == "[DBSBM compliance] Overdue: Collect (Acme)"
    workflow_step_complete(step=step, user=officer, actor=actor)  # an escalated step can still be done
    assert instance.steps.get(order=2).started_at is not None


def test_the_inbox_shows_current_steps_of_my_roles_or_mine(actor, review_flow, officer, staff_user):  # noqa: F811
    analyst = staff_user(StaffRole.SECURITY_ANALYST, username="analyst")
    acme, _ = workflow_start(code="vendor", actor=actor, title="Acme", subject_ref="vendor:acme")
    beta, _ = workflow_start(code="vendor", actor=actor, title="Beta", subject_ref="vendor:beta")
    workflow_step_complete(step=beta.steps.get(order=1), user=officer, actor=actor)

    assert [(step.instance.title, step.name) for step in workflow_inbox(officer)] == [("Acme", "Collect")]
    assert [(step.instance.title, step.name) for step in workflow_inbox(analyst)] == [("Beta", "Approve")]
    workflow_step_claim(step=acme.steps.get(order=1), user=officer, actor=actor)
    other = staff_user(StaffRole.COMPLIANCE_OFFICER, username="o3")
    assert workflow_inbox(other) == []


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ([], "Give the steps as a list of 1 to 20"),
        ([{"name": "", "assignee_role": "", "due_hours": 1}], "Step 1: give a name"),
        ([{"name": "x", "assignee_role": "boss", "due_hours": 1}], "Step 1: unknown role 'boss'"),
        ([{"name": "x", "assignee_role": "", "due_hours": 0}], "Step 1: due_hours must be a whole number"),
        ([{"name": "x", "due_hours": 1, "owner": "me"}], "only name, assignee_role and due_hours"),
    ],
)
def test_bad_definitions_are_refused(actor, steps, message):
    with pytest.raises(ApplicationError, match=message):
        workflow_definition_save(definition=WorkflowDefinition(code="bad", name="Bad", steps=steps), actor=actor)

    assert not WorkflowDefinition.objects.filter(code="bad").exists()


def test_a_new_data_subject_request_starts_its_dsr_workflow_once(actor, tenant, django_capture_on_commit_callbacks):
    member = member_create(actor=actor, tenant=tenant, discord_user_id="720000000000000001", username="asker")

    with django_capture_on_commit_callbacks(execute=True):
        request = request_receive(actor=actor, member=member, kind="erasure")

    instance = WorkflowInstance.objects.get()
    assert (instance.definition.code, instance.subject_ref, instance.title) == (
        DSR_WORKFLOW_CODE,
        f"privacy.datasubjectrequest:{request.pk}",
        f"Erasure (right to be forgotten) request #{request.pk}",
    )
    assert (instance.subject_type.model, instance.subject_id) == ("datasubjectrequest", str(request.pk))
    assert [step.name for step in instance.steps.order_by("order")] == [
        "Verify identity",
        "Gather data",
        "Review",
        "Respond",
    ]
    assert WorkflowStep.objects.filter(instance=instance, due_at__isnull=False).count() == 1


def test_the_dsr_workflow_follows_the_request(actor, tenant, officer, django_capture_on_commit_callbacks):  # noqa: F811
    members = [
        member_create(actor=actor, tenant=tenant, discord_user_id=str(720000000000000010 + n), username=f"a{n}")
        for n in range(2)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        verified = request_receive(actor=actor, member=members[0], kind="access")
        rejected = request_receive(actor=actor, member=members[1], kind="access")
    with django_capture_on_commit_callbacks(execute=True):
        request_verify_identity(request=verified, actor=staff_actor(officer), method=VerificationMethod.DISCORD_DM)
        request_reject(request=rejected, actor=staff_actor(officer), reason="could not verify who asked")

    flow = WorkflowInstance.objects.get(subject_id=str(verified.pk))
    assert _steps(flow)[:2] == [("Verify identity", "completed", None), ("Gather data", "pending", None)]
    assert flow.steps.get(order=2).due_at is not None
    refused = WorkflowInstance.objects.get(subject_id=str(rejected.pk))
    assert refused.status == WorkflowStatus.FAILED
    assert refused.steps.get(order=1).outcome_notes == "Request rejected: could not verify who asked"


@pytest.fixture
def dsr_flow(actor, tenant, django_capture_on_commit_callbacks):
    """A data-subject request filed by the bot's key, its dsr workflow started (first step: verify identity)."""
    member = member_create(actor=actor, tenant=tenant, discord_user_id="720000000000000100", username="asker")
    key = Actor(kind="api_key", identifier="7", label="dbsbm_bot")
    with django_capture_on_commit_callbacks(execute=True):
        request = request_receive(actor=key, member=member, kind="access")
    instance = WorkflowInstance.objects.get(subject_id=str(request.pk))
    return request, instance.steps.get(order=1)


def test_completing_the_verify_identity_step_records_the_verification_on_the_request(
    officer,  # noqa: F811
    dsr_flow,
    django_capture_on_commit_callbacks,
):
    request, step = dsr_flow

    with django_capture_on_commit_callbacks(execute=True):
        workflow_step_complete(
            step=step,
            user=officer,
            actor=staff_actor(officer),
            notes="passport seen",
            verification_method=VerificationMethod.ID_DOCUMENT,
        )

    request.refresh_from_db()
    assert (request.status, request.verification_method, request.verification_note) == (
        RequestStatus.IN_PROGRESS, "id_document", "passport seen"
    )  # fmt: skip
    assert (request.verified_by, request.verified_by_actor) == ("officer", f"user:{officer.pk}")
    assert AuditEvent.objects.filter(action="privacy.request_identity_verified", actor_label="officer").count() == 1
    assert _steps(step.instance)[:2] == [("Verify identity", "completed", "officer"), ("Gather data", "pending", None)]
    assert step.instance.steps.get(order=2).due_at is not None


def test_the_verify_identity_step_needs_a_method_and_changes_nothing_without_one(officer, dsr_flow):  # noqa: F811
    request, step = dsr_flow
    audit_before = AuditEvent.objects.count()

    with pytest.raises(ApplicationError) as refused:
        workflow_step_complete(step=step, user=officer, actor=staff_actor(officer), notes="looked fine")

    assert refused.value.code == "verification_method_required"
    assert refused.value.fields == {"verification_method": ["Choose how you verified the requester's identity."]}
    assert DataSubjectRequest.objects.get(pk=request.pk).verified_at is None
    step.refresh_from_db()
    assert step.status == StepStatus.PENDING and AuditEvent.objects.count() == audit_before


def test_the_verify_identity_step_of_a_request_verified_elsewhere_just_completes(
    officer,  # noqa: F811
    second_officer,  # noqa: F811
    dsr_flow,
):
    request, step = dsr_flow
    request_verify_identity(request=request, actor=staff_actor(second_officer), method="discord_dm")

    workflow_step_complete(step=step, user=officer, actor=staff_actor(officer), notes="already done")

    step.refresh_from_db()
    assert step.status == StepStatus.COMPLETED
    assert DataSubjectRequest.objects.get(pk=request.pk).verified_by == "officer2"


def test_every_automation_beat_job_is_declared_and_names_a_registered_task():
    declared = {entry["task"] for entry in declared_schedules()}
    tasks = {entry["task"] for entry in AUTOMATION_SCHEDULES} | {"apps.compliance.tasks.run_report"}
    assert {entry["task"] for entry in AUTOMATION_SCHEDULES} <= declared
    assert tasks <= set(celery_app.tasks)
