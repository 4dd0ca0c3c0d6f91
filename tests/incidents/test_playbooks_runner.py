"""The step runner: in order, manual tasks that wait, idempotent steps, retries, failures that escalate,
and resuming a step whose worker died."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.core.errors import ConflictError
from apps.incidents.actions.base import ACTIONS, ActionFailedError, ActionOutcome, TransientActionError
from apps.incidents.choices import StepStatus, TimelineKind
from apps.incidents.models import Incident, StepRun
from apps.incidents.services.escalation import policy_levels
from apps.incidents.services.playbooks import (
    manual_task_complete,
    playbook_start,
    playbooks_sweep,
    step_run_execute,
)
from apps.incidents.signals import incident_opened
from apps.notifications.choices import EventKind
from apps.notifications.models import Notification
from tests.incidents.playbook_support import incident_make, playbook_make, runs_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def start(django_capture_on_commit_callbacks):
    """start(incident): run its playbook (tasks are eager in tests: every step runs before this returns)."""

    def _start(incident):
        with django_capture_on_commit_callbacks(execute=True):
            playbook_start(incident_id=incident.pk)

    return _start


@pytest.fixture
def counted_action(monkeypatch):
    """counted_action(outcomes) -> calls: a test action `test_step` that raises or returns each outcome in turn."""

    def _make(outcomes):
        calls = []

        def action(run, actor):
            outcome = outcomes[min(len(calls), len(outcomes) - 1)]
            calls.append(run.pk)
            if isinstance(outcome, Exception):
                raise outcome
            return outcome

        monkeypatch.setitem(ACTIONS, "test_step", action)
        return calls

    return _make


def _manual(slug="task", **extra):
    return {"slug": slug, "action": "manual", "owner_role": "security_analyst", "due_minutes": 30, **extra}


def test_the_playbook_starts_when_an_incident_opens_and_runs_its_steps_in_order(
    counted_action, django_capture_on_commit_callbacks, actor
):
    calls = counted_action([ActionOutcome(result={"did": "it"})])
    playbook_make(
        kind="other",
        steps=[{"slug": "one", "action": "test_step"}, _manual(), {"slug": "three", "action": "test_step"}],
    )
    incident = incident_make(kind="other")

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        incident_opened.send(sender=Incident, incident=incident, actor=actor)

    assert runs_of(incident) == [("one", "succeeded"), ("task", "waiting"), ("three", "succeeded")]
    assert len(calls) == 2  # the manual task does not hold back the automated step after it
    lines = list(incident.timeline.filter(kind=TimelineKind.ACTION).values_list("message", flat=True))
    assert lines[0].startswith("Playbook test other v")
    assert "waits for security_analyst" in lines[2]


def test_a_manual_task_waits_for_its_owner_role_until_completed(start, actor):
    playbook_make(kind="other", steps=[_manual(due_minutes=45)])
    incident = incident_make(kind="other")
    start(incident)
    run = StepRun.objects.get(incident=incident)

    assert (run.status, run.owner_role) == (StepStatus.WAITING, "security_analyst")
    assert timedelta(minutes=44) < run.due_at - timezone.now() <= timedelta(minutes=45)

    done = manual_task_complete(step_run=run, actor=actor, note="checked the logs")

    assert (done.status, done.result["note"]) == (StepStatus.DONE, "checked the logs")
    assert AuditEvent.objects.filter(action="incidents.manual_task_completed").count() == 1
    with pytest.raises(ConflictError, match="Only a waiting manual task"):
        manual_task_complete(step_run=run, actor=actor)


def test_a_finished_step_delivered_again_does_not_act_again(start, counted_action):
    calls = counted_action([ActionOutcome(result={})])
    playbook_make(kind="other", steps=[{"slug": "one", "action": "test_step"}])
    incident = incident_make(kind="other")
    start(incident)
    run = StepRun.objects.get(incident=incident)

    assert step_run_execute(step_run_id=run.pk) == StepStatus.SUCCEEDED
    start(incident)  # the start task delivered twice creates nothing and runs nothing

    assert len(calls) == 1
    assert StepRun.objects.get(incident=incident).attempts == 1


def test_a_transient_failure_is_retried_with_back_off_and_then_succeeds(start, counted_action):
    calls = counted_action([TransientActionError("lock held"), TransientActionError("lock held"), ActionOutcome({})])
    playbook_make(kind="other", steps=[{"slug": "one", "action": "test_step", "max_attempts": 3}])
    incident = incident_make(kind="other")

    start(incident)

    run = StepRun.objects.get(incident=incident)
    assert (run.status, run.attempts, len(calls)) == (StepStatus.SUCCEEDED, 3, 3)
    retries = incident.timeline.filter(message__contains="failed; retry in")
    assert [line.data["attempts"] for line in retries] == [1, 2]
    assert ["retry in 10 s" in retries[0].message, "retry in 20 s" in retries[1].message] == [True, True]


@pytest.mark.parametrize(
    ("outcomes", "attempts"),
    [([ActionFailedError("no such key")], 1), ([TransientActionError("broker away")], 2)],
    ids=["permanent", "transient-exhausted"],
)
def test_a_failed_step_is_recorded_escalates_notifies_and_the_playbook_goes_on(
    start, counted_action, make_policy, outcomes, attempts
):
    counted_action(outcomes)
    playbook_make(kind="other", steps=[{"slug": "one", "action": "test_step", "max_attempts": 2}, _manual()])
    policy = make_policy(levels=[(300, [{"kind": "email", "address": "one@example.test"}])] * 2)
    incident = incident_make(kind="other", escalation_levels=policy_levels(policy))
    level = incident.escalation_level

    start(incident)

    run = StepRun.objects.get(incident=incident, position=1)
    assert (run.status, run.attempts) == (StepStatus.FAILED, attempts)
    assert str(outcomes[0]) in run.error
    assert runs_of(incident)[1] == ("task", "waiting")
    failed = incident.timeline.filter(kind="action", message__contains=f"failed after {attempts} attempt(s)")
    assert failed.count() == 1
    assert AuditEvent.objects.filter(action="incidents.playbook_step_failed").count() == 1
    notification = Notification.objects.get(kind=EventKind.INCIDENT_ACTION_FAILED)
    assert notification.payload["step"] == "one" and notification.payload["attempts"] == attempts
    incident.refresh_from_db()
    assert incident.escalation_level == level + 1


def test_a_step_whose_action_is_not_installed_fails_with_a_clear_error(start, monkeypatch):
    monkeypatch.delitem(ACTIONS, "collect_evidence", raising=False)
    playbook_make(kind="other", steps=[{"slug": "evidence", "action": "collect_evidence"}])
    incident = incident_make(kind="other")

    start(incident)

    run = StepRun.objects.get(incident=incident)
    assert run.status == StepStatus.FAILED
    assert run.error == "The action 'collect_evidence' is not available in this installation (no module registers it)."


def test_the_sweep_resumes_a_step_left_running_by_a_dead_worker_and_leaves_live_and_finished_ones(
    counted_action, django_capture_on_commit_callbacks, start
):
    calls = counted_action([ActionOutcome(result={})])
    playbook_make(kind="other", steps=[{"slug": "one", "action": "test_step", "timeout_seconds": 60}])
    finished, dead, alive = incident_make(kind="other"), incident_make(kind="other"), incident_make(kind="other")
    start(finished)
    now = timezone.now()
    playbook_start(incident_id=dead.pk)  # their tasks never run (no commit in this test): workers that died
    playbook_start(incident_id=alive.pk)
    StepRun.objects.filter(incident__in=[dead, alive]).update(status=StepStatus.RUNNING, attempts=1)
    StepRun.objects.filter(incident=dead).update(started_at=now - timedelta(seconds=91))  # timeout 60 + grace 30
    StepRun.objects.filter(incident=alive).update(started_at=now - timedelta(seconds=30))
    calls.clear()

    with django_capture_on_commit_callbacks(execute=True):
        handed = playbooks_sweep(now=now)

    assert handed == 1
    assert runs_of(dead) == [("one", "succeeded")]
    assert StepRun.objects.get(incident=dead).attempts == 2
    assert runs_of(alive) == [("one", "running")]
    assert calls == [StepRun.objects.get(incident=dead).pk]
    assert step_run_execute(step_run_id=StepRun.objects.get(incident=alive).pk) == StepStatus.RUNNING  # not ours
