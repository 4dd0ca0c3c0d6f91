"""Running an incident's playbook: one StepRun per step, each step a Celery task, in order.

How a run goes
  * `playbook_start` (incident_opened, after commit through the outbox) creates the StepRuns of the kind's
    active playbook and hands the first step to a worker.
  * `step_run_execute` claims the step (row lock, pending -> running, committed: a re-delivered task
    finds it running or finished and does nothing), then runs the action *and* records its outcome in
    one transaction: either both commit or neither does. When it commits, the next step is handed on.
  * A manual step does not block: it is left `waiting` for its owner role, due `due_minutes` later,
    and the automated steps after it run at once; `manual_task_complete` marks it done.
  * Time-outs: the action runs with the step's `timeout_seconds` as PostgreSQL's statement timeout (a
    blocked lock or a slow query is cut off) and as the task's soft time limit (prefork workers).
  * A `TransientActionError` (or a time-out, or a database error) is retried with back-off up to
    `max_attempts`; past that, or on `ActionFailedError`, the step is `failed`: error recorded, timeline
    line, the incident escalated, INCIDENT_ACTION_FAILED sent, and the playbook goes on with the next
    step (one failed containment step must not stop the others; a person is now woken for it).
  * Resume: a worker killed in the middle of a step leaves it `running` with its action rolled back;
    `playbooks_sweep` (beat) hands it on again once its timeout (plus a grace) has passed, and hands on
    any step whose turn came but whose task was lost. A succeeded step is never run again.
"""

import logging
from datetime import datetime, timedelta
from functools import partial

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import field_changes
from apps.core.actors import Actor
from apps.core.errors import ApplicationError, ConflictError
from apps.incidents.actions import actions_load
from apps.incidents.actions.base import ACTIONS, UNDOS, ActionFailedError, ActionOutcome, TransientActionError
from apps.incidents.choices import StepAction, StepStatus, TimelineKind
from apps.incidents.models import Incident, Playbook, StepRun
from apps.incidents.services.escalation import escalation_raise
from apps.incidents.services.notify import incident_alert
from apps.incidents.services.playbook_loader import LoadResult, PlaybookInvalid, playbook_parse, playbooks_load
from apps.incidents.services.timeline import timeline_add, timeline_audited
from apps.incidents.tasks import step_run_execute_task
from apps.notifications.choices import EventKind
from apps.notifications.services import Recipients

logger = logging.getLogger(__name__)

__all__ = [
    "LoadResult",
    "PlaybookInvalid",
    "manual_task_complete",
    "playbook_parse",
    "playbook_start",
    "playbooks_load",
    "playbooks_sweep",
    "step_run_execute",
    "step_run_undo",
]

# The step is not over: a later step may still wait for it (manual steps excepted, see above).
_OPEN = {StepStatus.PENDING, StepStatus.RUNNING}


def _actor(incident: Incident) -> Actor:
    return Actor.system(f"playbook {incident.reference}")


def _hand_on(run: StepRun, *, countdown: float = 0) -> None:
    """After commit, give the step to a worker (the sweep hands it on again if this message is lost)."""
    options = {"countdown": countdown} if countdown else {}
    if settings.INCIDENTS_STEP_QUEUE:
        options["queue"] = settings.INCIDENTS_STEP_QUEUE
    timeout = run.step.timeout_seconds
    transaction.on_commit(
        partial(
            step_run_execute_task.apply_async,
            args=[run.pk],
            soft_time_limit=timeout,
            time_limit=timeout + settings.INCIDENTS_STEP_GRACE_SECONDS,
            **options,
        )
    )


def _next_turn(*, incident_id: int, after: int, now: datetime) -> None:
    """Hand on the first pending step after position `after` (inside the caller's transaction)."""
    run = (
        StepRun.objects.select_for_update()
        .select_related("step")
        .filter(incident_id=incident_id, position__gt=after, status=StepStatus.PENDING)
        .order_by("position")
        .first()
    )
    if run is None:
        return
    if run.next_attempt_at is None:
        run.next_attempt_at = now
        run.save(update_fields=["next_attempt_at"])
    _hand_on(run)


@transaction.atomic
def playbook_start(*, incident_id: int) -> int:
    """Create the StepRuns of the active playbook of the incident's kind and hand on the first step; for an
    incident that has them already, only hand on the next pending step. Returns the number created."""
    incident = Incident.objects.select_for_update().filter(pk=incident_id).first()
    if incident is None:
        return 0
    now = timezone.now()
    created = 0
    if not incident.step_runs.exists():
        playbook = Playbook.objects.filter(kind=incident.kind, is_active=True).prefetch_related("steps").first()
        if playbook is None:
            return 0
        steps = list(playbook.steps.order_by("position"))
        StepRun.objects.bulk_create(StepRun(incident=incident, step=step, position=step.position) for step in steps)
        created = len(steps)
        actor = _actor(incident)
        timeline_audited(
            incident=incident,
            kind=TimelineKind.ACTION,
            actor=actor,
            message=f"Playbook {playbook.name} v{playbook.version} started: {created} steps.",
            data={"playbook_id": playbook.pk, "version": playbook.version},
            action="incidents.playbook_started",
            changes=field_changes({}, {"playbook": playbook.pk, "version": playbook.version}),
        )
    if not incident.step_runs.filter(status=StepStatus.RUNNING).exists():
        _next_turn(incident_id=incident.pk, after=0, now=now)
    return created


def _claim(step_run_id: int, now: datetime) -> StepRun | None:
    """pending (or running and stale: its worker died) -> running, committed; None when not ours to run."""
    with transaction.atomic():
        run = StepRun.objects.select_for_update().select_related("step", "incident").filter(pk=step_run_id).first()
        if run is None or run.status not in _OPEN:
            return None  # finished, waiting or undone: never run twice
        if run.status == StepStatus.RUNNING and not _is_stale(run, now):
            return None  # another worker has it
        run.status = StepStatus.RUNNING
        run.attempts += 1
        run.started_at = now
        run.error = ""
        run.save(update_fields=["status", "attempts", "started_at", "error"])
    return run


def _is_stale(run: StepRun, now: datetime) -> bool:
    limit = timedelta(seconds=run.step.timeout_seconds + settings.INCIDENTS_STEP_GRACE_SECONDS)
    return run.started_at is None or run.started_at + limit <= now


def step_run_execute(*, step_run_id: int) -> str:
    """Run one step once: claim it, act, record the outcome and hand on the next step; returns the status
    it is left in (a step already claimed or finished is left alone: its status is returned)."""
    actions_load()
    now = timezone.now()
    run = _claim(step_run_id, now)
    if run is None:
        return StepRun.objects.filter(pk=step_run_id).values_list("status", flat=True).first() or "missing"
    action = ACTIONS.get(run.step.action)
    if action is None:
        return _attempt_failed(
            run,
            f"The action {run.step.action!r} is not available in this installation (no module registers it).",
            transient=False,
        )
    actor = _actor(run.incident)
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:  # a lock wait or a slow statement cannot outlast the step
                cursor.execute("SET LOCAL statement_timeout = %s", [run.step.timeout_seconds * 1000])
            outcome = action(run, actor)
            return _succeeded(run, outcome, actor)
    except (TransientActionError, SoftTimeLimitExceeded, DatabaseError) as error:
        return _attempt_failed(run, f"{type(error).__name__}: {error}", transient=True)
    except (ActionFailedError, ApplicationError) as error:
        return _attempt_failed(run, str(getattr(error, "message", error)), transient=False)
    except Exception as error:  # a bug in an action: recorded and escalated like any failure, and logged
        logger.exception("playbook step %s failed unexpectedly", step_run_id)
        return _attempt_failed(run, f"{type(error).__name__}: {error}", transient=False)


def _succeeded(run: StepRun, outcome: ActionOutcome, actor: Actor) -> str:
    now = timezone.now()
    run = StepRun.objects.select_for_update().select_related("step", "incident").get(pk=run.pk)
    run.result = outcome.result
    run.undo = outcome.undo
    if run.step.action == StepAction.MANUAL:
        run.status, run.owner_role = StepStatus.WAITING, run.step.owner_role
        run.due_at = now + timedelta(minutes=run.step.due_minutes or 0)
        message = (
            f"Step {run.position} ({run.step.title}) waits for {run.owner_role}, due {run.due_at:%Y-%m-%d %H:%M} UTC."
        )
    else:
        run.status = StepStatus.SKIPPED if outcome.skipped else StepStatus.SUCCEEDED
        run.finished_at = now
        message = f"Step {run.position} ({run.step.title}) {run.status}: {_summary(outcome.result)}"
    run.save(update_fields=["status", "result", "undo", "owner_role", "due_at", "finished_at"])
    timeline_audited(
        incident=run.incident,
        kind=TimelineKind.ACTION,
        actor=actor,
        message=message,
        data={"step_run_id": run.pk, "action": run.step.action, "status": run.status, "result": run.result},
        action=f"incidents.playbook_step_{run.status}",
        changes=field_changes({"step": run.position, "status": StepStatus.RUNNING}, {"status": run.status}),
    )
    _next_turn(incident_id=run.incident_id, after=run.position, now=now)
    return run.status


def _summary(result: dict) -> str:
    parts = [f"{key} {value}" for key, value in result.items() if value not in ([], {}, "", None)]
    return "; ".join(parts)[:300] or "nothing to do"


def _backoff(attempts: int) -> int:
    base = settings.INCIDENTS_STEP_RETRY_BASE_SECONDS
    return min(base * 2 ** max(attempts - 1, 0), settings.INCIDENTS_STEP_RETRY_MAX_SECONDS)


def _attempt_failed(run: StepRun, error: str, *, transient: bool) -> str:
    now = timezone.now()
    with transaction.atomic():
        run = StepRun.objects.select_for_update().select_related("step", "incident").get(pk=run.pk)
        run.error = error[:500]
        actor = _actor(run.incident)
        if transient and run.attempts < run.step.max_attempts:
            delay = _backoff(run.attempts)
            run.status, run.next_attempt_at = StepStatus.PENDING, now + timedelta(seconds=delay)
            run.save(update_fields=["status", "error", "next_attempt_at"])
            timeline_add(
                incident=run.incident,
                kind=TimelineKind.ACTION,
                actor=actor,
                message=f"Step {run.position} ({run.step.title}) attempt {run.attempts} failed; retry in {delay} s.",
                data={"step_run_id": run.pk, "error": run.error, "attempts": run.attempts},
            )
            _hand_on(run, countdown=delay)
            return run.status
        run.status, run.finished_at = StepStatus.FAILED, now
        run.save(update_fields=["status", "error", "finished_at"])
        _failed_record(run, actor)
        _next_turn(incident_id=run.incident_id, after=run.position, now=now)
    return StepStatus.FAILED


def _failed_record(run: StepRun, actor: Actor) -> None:
    incident = run.incident
    message = f"Step {run.position} ({run.step.title}) failed after {run.attempts} attempt(s): {run.error}"
    timeline_audited(
        incident=incident,
        kind=TimelineKind.ACTION,
        actor=actor,
        message=message,
        data={"step_run_id": run.pk, "action": run.step.action, "status": run.status, "error": run.error},
        action="incidents.playbook_step_failed",
        reason=run.error,
        changes=field_changes({"step": run.position, "status": StepStatus.RUNNING}, {"status": StepStatus.FAILED}),
    )
    escalation_raise(incident=incident, actor=actor, reason=message)
    incident_alert(
        incident,
        kind=EventKind.INCIDENT_ACTION_FAILED,
        key=f"step:{run.pk}:failed",
        context={
            "kind": incident.kind,
            "guild_id": incident.guild_id,
            "step": run.step.title,
            "attempts": run.attempts,
            "error": run.error,
        },
        recipients=Recipients(user_ids=[incident.owner_id] if incident.owner_id else []),
    )


def playbooks_sweep(*, now: datetime | None = None) -> int:
    """Hand on again every step whose worker died (running past its timeout and a grace) or whose task
    was lost (pending, its turn come a grace ago); returns how many. Safe to run any time: a step is
    claimed before it acts, so a duplicate does nothing."""
    now = now or timezone.now()
    grace = timedelta(seconds=settings.INCIDENTS_STEP_GRACE_SECONDS)
    handed = 0
    with transaction.atomic():
        pending = StepRun.objects.filter(status=StepStatus.PENDING, next_attempt_at__lte=now - grace)
        running = StepRun.objects.filter(status=StepStatus.RUNNING)
        for run in (pending | running).select_related("step").select_for_update(of=("self",), skip_locked=True):
            if run.status == StepStatus.RUNNING and not _is_stale(run, now):
                continue
            _hand_on(run)
            handed += 1
    return handed


@transaction.atomic
def step_run_undo(*, step_run: StepRun, actor: Actor) -> StepRun:
    """Reverse a succeeded step's action (reactivate, unblock, unfreeze); refused, with nothing changed,
    for a step that did not succeed or whose action cannot be undone."""
    actions_load()
    run = StepRun.objects.select_for_update().select_related("step", "incident").get(pk=step_run.pk)
    if run.status != StepStatus.SUCCEEDED:
        raise ConflictError(
            _("Only a succeeded step can be undone; this one is %(status)s.") % {"status": run.status},
            code="step_not_undoable",
        )
    undo = UNDOS.get(run.step.action)
    if undo is None or not run.undo:
        raise ConflictError(
            (
                _("The action %(action)s cannot be undone (nothing this step changed can be reversed).")
                if undo
                else _("The action %(action)s cannot be undone.")
            )
            % {"action": run.step.get_action_display().lower()},
            code="step_not_undoable",
        )
    undo_result = undo(run, actor)
    run.status, run.undone_at, run.undone_by_label = StepStatus.UNDONE, timezone.now(), actor.label[:150]
    run.result = {**run.result, "undo_result": undo_result}
    run.save(update_fields=["status", "undone_at", "undone_by_label", "result"])
    timeline_audited(
        incident=run.incident,
        kind=TimelineKind.ACTION_UNDONE,
        actor=actor,
        message=f"Step {run.position} ({run.step.title}) undone: {_summary(undo_result)}",
        data={"step_run_id": run.pk, "undo_result": undo_result},
        action="incidents.playbook_step_undone",
        changes=field_changes({"step": run.position, "status": StepStatus.SUCCEEDED}, {"status": StepStatus.UNDONE}),
    )
    return run


@transaction.atomic
def manual_task_complete(*, step_run: StepRun, actor: Actor, note: str = "") -> StepRun:
    """Mark a waiting manual task done, with an optional note; refused for anything else."""
    run = StepRun.objects.select_for_update().select_related("step", "incident").get(pk=step_run.pk)
    if run.status != StepStatus.WAITING:
        raise ConflictError(
            _("Only a waiting manual task can be completed; this one is %(status)s.") % {"status": run.status},
            code="step_not_waiting",
        )
    run.status, run.finished_at = StepStatus.DONE, timezone.now()
    run.result = {**run.result, "note": note.strip()[:1000], "completed_by": actor.label}
    run.save(update_fields=["status", "finished_at", "result"])
    timeline_audited(
        incident=run.incident,
        kind=TimelineKind.ACTION,
        actor=actor,
        message=f"Task {run.position} ({run.step.title}) done" + (f": {note.strip()[:300]}" if note.strip() else "."),
        data={"step_run_id": run.pk, "status": run.status},
        action="incidents.manual_task_completed",
        reason=note.strip()[:200],
        changes=field_changes({"step": run.position, "status": StepStatus.WAITING}, {"status": StepStatus.DONE}),
    )
    return run
