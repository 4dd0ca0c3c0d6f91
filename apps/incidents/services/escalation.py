"""Four escalation levels: notify a level, wait its acknowledgement timeout, notify the next, up to the last.

The levels are the incident's own copy (`Incident.escalation_levels`, taken when it opened), so editing
the policy never changes a running escalation. Each notified level sets `next_escalation_at` and bumps
`escalation_token`, the timer's fencing token; the timer is `escalation_advance(incident_id, token)`:

  * scheduled through the outbox with `enqueue_at` (a row due at the timeout, also published with Celery's
    eta after commit, so a running worker fires it on time);
  * caught by `escalation_sweep` (beat, every few seconds, apps/incidents/schedules.py) when that task was
    lost (a worker restarted, a broker that dropped it).

`escalation_advance` moves on only by a compare-and-set UPDATE … WHERE escalation_token = token AND
acknowledged_at IS NULL AND next_escalation_at <= now: of two copies of one timer (the scheduled task and
the sweep, a redelivered task) exactly one escalates; an acknowledged or already escalated incident has
another token and nothing happens. Acknowledging bumps the token and clears the timer.

Speed (issue #13: alert to level 1 paged in under 2 s). `escalation_start` runs inside the transaction that
opens the incident (receivers.py), so the level-1 deliveries are outbox rows of that same commit; they, the
rule tasks that open incidents, the timers and the sweep run on the "urgent" queue (settings
CELERY_TASK_ROUTES), ahead of playbook steps and everything else.
"""

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.actors import Actor
from apps.core.enqueue import enqueue_at
from apps.core.errors import ConflictError, PermissionDeniedError
from apps.incidents.choices import IncidentSeverity, IncidentStatus, TimelineKind
from apps.incidents.models import Incident
from apps.incidents.services.notify import (
    ESCALATION_ACTOR,
    incident_deliveries,
    incident_notify,
)
from apps.incidents.services.policies import escalation_policy_create, levels_validate, policy_levels
from apps.incidents.services.timeline import timeline_audited
from apps.incidents.signals import incident_acknowledged
from apps.incidents.tasks import escalation_advance_task
from apps.notifications.choices import EventKind

__all__ = [
    "escalation_acknowledge",
    "escalation_advance",
    "escalation_policy_create",
    "escalation_raise",
    "escalation_start",
    "escalation_sweep",
    "incident_deliveries",
    "incident_notify",
    "levels_validate",
    "policy_levels",
]

SWEEP_BATCH = 200


def _level(incident: Incident, number: int) -> dict[str, Any] | None:
    return next((entry for entry in incident.escalation_levels if entry.get("level") == number), None)


def _next_level(incident: Incident) -> dict[str, Any] | None:
    higher = [entry for entry in incident.escalation_levels if entry.get("level", 0) > incident.escalation_level]
    return min(higher, key=lambda entry: entry["level"]) if higher else None


def _schedule(incident: Incident) -> None:
    enqueue_at(escalation_advance_task, incident.pk, incident.escalation_token, at=incident.next_escalation_at)


def _notify_level(incident: Incident, entry: dict[str, Any], *, reason: str, actor: Actor, now: datetime) -> None:
    """Make `entry` the incident's level: notify its targets, arm its timer unless acknowledged (locked row)."""
    previous = incident.escalation_level
    incident.escalation_level = entry["level"]
    incident.escalation_token += 1
    acknowledged = incident.acknowledged_at is not None
    incident.next_escalation_at = None if acknowledged else now + timedelta(seconds=entry["ack_timeout_seconds"])
    incident.save(update_fields=["escalation_level", "escalation_token", "next_escalation_at", "updated_at"])
    kind = EventKind.INCIDENT_OPENED if reason == "opened" else EventKind.INCIDENT_ESCALATED
    incident_notify(
        incident=incident,
        kind=kind,
        reason=reason,
        targets=entry["targets"],
        level=entry["level"],
        context={"previous_level": previous, "ack_timeout_seconds": entry["ack_timeout_seconds"]},
        key=f"incident:{incident.pk}:level:{entry['level']}:{incident.escalation_token}",
        actor=actor,
        is_urgent=True,  # a page: its deliveries take the urgent queue
        now=now,
    )
    if incident.next_escalation_at is not None:
        _schedule(incident)


def _locked(incident_id: int) -> Incident | None:
    return Incident.objects.select_for_update(of=("self",)).filter(pk=incident_id).first()


@transaction.atomic
def escalation_start(*, incident_id: int, now: datetime | None = None) -> Incident | None:
    """Notify the new incident's start level (1; a critical one the policy's critical start level) and arm
    its timer. Runs once: an incident already notified, acknowledged, closed or without levels is left."""
    incident = _locked(incident_id)
    if incident is None or incident.escalation_level or not incident.escalation_levels:
        return incident
    if incident.acknowledged_at is not None or incident.status == IncidentStatus.CLOSED:
        return incident
    now = now or timezone.now()
    start = 1
    if incident.severity == IncidentSeverity.CRITICAL and incident.escalation_policy is not None:
        start = incident.escalation_policy.critical_start_level
    candidates = [entry for entry in incident.escalation_levels if entry["level"] <= start]
    entry = max(candidates, key=lambda item: item["level"]) if candidates else _next_level(incident)
    if entry is None:
        return incident
    _notify_level(incident, entry, reason="opened", actor=ESCALATION_ACTOR, now=now)
    return incident


def _record_exhausted(incident: Incident, *, actor: Actor, message: str, now: datetime, reason: str = "") -> None:
    timeline_audited(
        incident=incident,
        kind=TimelineKind.ESCALATED,
        actor=actor,
        message=message,
        at=now,
        action="incidents.escalation_exhausted",
        changes={"level": incident.escalation_level},
        reason=reason,
    )


def _exhausted(incident: Incident, *, now: datetime) -> None:
    incident.next_escalation_at = None
    incident.save(update_fields=["next_escalation_at", "updated_at"])
    message = f"Level {incident.escalation_level} was not acknowledged in time and no level is left to notify."
    _record_exhausted(incident, actor=ESCALATION_ACTOR, message=message, now=now)


def _escalate(incident: Incident, *, actor: Actor, reason: str, why: str, now: datetime) -> bool:
    entry = _next_level(incident)
    if entry is None:
        return False
    previous = incident.escalation_level
    timeline_audited(
        incident=incident,
        kind=TimelineKind.ESCALATED,
        actor=actor,
        message=f"Escalated from level {previous} to level {entry['level']}: {why}"[:500],
        data={"from_level": previous, "to_level": entry["level"], "reason": reason},
        at=now,
        action="incidents.escalated",
        changes={"escalation_level": {"before": previous, "after": entry["level"]}},
        reason=why[:500],
    )
    _notify_level(incident, entry, reason=reason, actor=actor, now=now)
    return True


@transaction.atomic
def escalation_advance(*, incident_id: int, token: int, now: datetime | None = None) -> bool:
    """The timer of the level notified with `token`: when it is due and nobody acknowledged, notify the next
    level (or record that none is left). A stale token does nothing; returns whether this call moved."""
    now = now or timezone.now()
    moved = (
        Incident.objects.filter(
            pk=incident_id, escalation_token=token, acknowledged_at=None, next_escalation_at__lte=now
        )
        .exclude(status=IncidentStatus.CLOSED)
        .update(escalation_token=F("escalation_token") + 1, updated_at=now)
    )
    if not moved:
        return False
    incident = _locked(incident_id)
    timeout = (_level(incident, incident.escalation_level) or {}).get("ack_timeout_seconds")
    why = f"level {incident.escalation_level} not acknowledged within {timeout} s"
    if not _escalate(incident, actor=ESCALATION_ACTOR, reason="escalated", why=why, now=now):
        _exhausted(incident, now=now)
    return True


def escalation_sweep(*, now: datetime | None = None) -> int:
    """Advance every incident whose timer is due (beat): catches a timer task that was lost or late.
    Each incident in its own transaction; returns how many moved."""
    now = now or timezone.now()
    due = (
        Incident.objects.filter(next_escalation_at__lte=now, acknowledged_at=None)
        .exclude(status=IncidentStatus.CLOSED)
        .order_by("next_escalation_at")
        .values_list("pk", "escalation_token")[:SWEEP_BATCH]
    )
    return sum(escalation_advance(incident_id=pk, token=token, now=now) for pk, token in list(due))


@transaction.atomic
def escalation_acknowledge(*, incident: Incident, actor: Actor, user=None, now: datetime | None = None) -> Incident:
    """Someone owns it: the climb stops (token bumped, timer cleared). A staff user needs
    incidents.change_incident (an API key's scope is checked by the API). Twice: 409, nothing written."""
    if user is not None and not user.has_perm("incidents.change_incident"):
        raise PermissionDeniedError(_("Acknowledging an incident needs the incidents.change_incident permission."))
    locked = _locked(incident.pk)
    if locked.acknowledged_at is not None:
        raise ConflictError(
            _("%(reference)s was acknowledged already at %(at)s UTC.")
            % {"reference": locked.reference, "at": f"{locked.acknowledged_at:%Y-%m-%d %H:%M:%S}"},
            code="already_acknowledged",
        )
    now = now or timezone.now()
    locked.acknowledged_at, locked.acknowledged_by = now, user
    locked.escalation_token += 1
    locked.next_escalation_at = None
    locked.save(
        update_fields=["acknowledged_at", "acknowledged_by", "escalation_token", "next_escalation_at", "updated_at"]
    )
    timeline_audited(
        incident=locked,
        kind=TimelineKind.ACKNOWLEDGED,
        actor=actor,
        message=f"Acknowledged by {actor.label} at level {locked.escalation_level}; the escalation stops.",
        data={"level": locked.escalation_level, "user_id": getattr(user, "pk", None)},
        at=now,
        action="incidents.acknowledged",
        changes={"acknowledged_at": now.isoformat(), "level": locked.escalation_level},
    )
    incident_acknowledged.send(sender=Incident, incident=locked, actor=actor)
    return locked


@transaction.atomic
def escalation_raise(*, incident: Incident, actor: Actor, reason: str, now: datetime | None = None) -> Incident:
    """One level up now (a playbook step failed …): the next level is notified; its timer runs unless the
    incident is acknowledged. At the last level (or without levels) it is recorded, nobody new is told."""
    locked = _locked(incident.pk)
    now = now or timezone.now()
    if not _escalate(locked, actor=actor, reason="raised", why=reason or "raised", now=now):
        message = f"Escalation asked ({reason}) but no level above {locked.escalation_level} is left."
        _record_exhausted(locked, actor=actor, message=message[:500], now=now, reason=reason[:500])
    return locked
