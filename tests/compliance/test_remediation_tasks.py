"""Remediation tasks and on-demand check runs through the compliance services and tasks (issue 17): who may be
assigned, who may complete, a finished task stays finished, every change audited; a requested check run goes
through the outbox and runs like the dispatcher's (stored with trigger "manual", today's snapshot refreshed)."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.choices import StaffRole
from apps.audit.models import AuditEvent
from apps.compliance.models import CheckRun, Framework, RemediationTask, ScoreSnapshot
from apps.compliance.services.check_requests import checks_run_request
from apps.compliance.services.remediation_tasks import (
    assignable_users,
    remediation_task_assign,
    remediation_task_complete,
    remediation_task_create,
)
from apps.compliance.tasks import checks_run_task
from apps.core.actors import Actor
from apps.core.errors import ApplicationError, ConflictError, PermissionDeniedError

pytestmark = pytest.mark.django_db

ACTOR = Actor.system("remediation tests")
CHECK = "access.privileged_mfa"


@pytest.fixture
def people(staff_user, officer):
    return {
        "officer": officer,
        "analyst": staff_user(StaffRole.SECURITY_ANALYST, username="analyst"),
        "other_analyst": staff_user(StaffRole.SECURITY_ANALYST, username="analyst2"),
        "ops": staff_user(StaffRole.OPS, username="ops"),
    }


def test_only_officers_and_analysts_are_assignable(people):
    assert list(assignable_users().values_list("username", flat=True)) == ["analyst", "analyst2", "officer"]
    task = remediation_task_create(actor=ACTOR, title="Rotate keys")

    with pytest.raises(ApplicationError, match="not an active compliance officer or security analyst"):
        remediation_task_assign(task=task, assignee=people["ops"], actor=ACTOR)
    remediation_task_assign(task=task, assignee=people["analyst"], actor=ACTOR)

    task.refresh_from_db()
    assert task.assignee == people["analyst"] and task.assigned_at is not None


def test_the_assignee_or_an_officer_completes_and_a_done_task_stays_done(people):
    task = remediation_task_create(actor=ACTOR, title="Rotate keys", assignee=people["analyst"])

    with pytest.raises(PermissionDeniedError):
        remediation_task_complete(task=task, user=people["other_analyst"], actor=ACTOR, note="not mine")
    with pytest.raises(ApplicationError, match="Say what was done"):
        remediation_task_complete(task=task, user=people["analyst"], actor=ACTOR, note="  ")
    remediation_task_complete(task=task, user=people["analyst"], actor=ACTOR, note="Rotated.")
    with pytest.raises(ConflictError):
        remediation_task_complete(task=task, user=people["officer"], actor=ACTOR, note="again")
    with pytest.raises(ConflictError):
        remediation_task_assign(task=task, assignee=people["officer"], actor=ACTOR)

    task.refresh_from_db()
    assert (task.status, task.completed_by, task.completion_note) == ("done", people["analyst"], "Rotated.")
    assert list(
        AuditEvent.objects.filter(target_id=str(task.pk), action__startswith="compliance.remediation")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["compliance.remediation_created", "compliance.remediation_completed"]


def test_a_done_task_must_have_its_completion_time():
    task = remediation_task_create(actor=ACTOR, title="Constraint")
    with pytest.raises(IntegrityError), transaction.atomic():
        RemediationTask.objects.filter(pk=task.pk).update(status="done")


def test_a_requested_check_run_goes_through_the_outbox_and_runs_like_the_dispatcher(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        row = checks_run_request(actor=ACTOR, check_id=CHECK)

    row.refresh_from_db()
    assert row.task_name == "apps.compliance.tasks.checks_run_task" and row.completed_at is not None
    run = CheckRun.objects.get()
    assert (run.check_id, run.trigger) == (CHECK, "manual")
    assert ScoreSnapshot.objects.filter(day=timezone.now().date()).exists()
    assert AuditEvent.objects.filter(action="compliance.checks_run_requested").count() == 1


def test_the_task_runs_a_framework_or_one_check_and_the_request_refuses_nonsense():
    assert checks_run_task(check_id=CHECK) == 1
    assert checks_run_task(check_id="no.such_check") == 0
    with pytest.raises(ApplicationError):
        checks_run_request(actor=ACTOR)
    with pytest.raises(ApplicationError):
        checks_run_request(actor=ACTOR, framework=Framework.objects.get(pk="ccpa"), check_id=CHECK)
    assert checks_run_task(framework="ccpa") == 4
