"""Regulatory clocks: the legal deadlines by which an authority (and data subjects) must be told.

Each active `ClockDefinition` that applies to an incident (personal data involved when it requires that; the
incident's kind among its kinds; the severity at least its minimum) runs one `RegulatoryClock` from the
moment the platform became aware (`incident.aware_at`) for the definition's hours. The beat sweep
(`clocks_sweep`) reminds the compliance officers at 50 % and 90 % of each clock, once each (the
`reminded_*_at` stamps and the notification keys make a second sweep send nothing), and marks a clock
overdue when its deadline passes without the authority having been told. Recording the notice
(`clock_record_notice`) ends a clock: met when in time, late otherwise.
"""

import logging
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record, field_changes
from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.incidents.choices import SEVERITY_RANK, ClockStatus, IncidentKind, IncidentSeverity, TimelineKind
from apps.incidents.models import ClockDefinition, Incident, RegulatoryClock
from apps.incidents.services.notify import incident_alert
from apps.incidents.services.timeline import timeline_add, timeline_audited
from apps.notifications.choices import EventKind, Severity

logger = logging.getLogger(__name__)

# the states in which a clock still counts down to a notice nobody has recorded yet
COUNTING = (ClockStatus.RUNNING, ClockStatus.OVERDUE)
REMINDERS = ((0.9, "reminded_90_at", "90% elapsed"), (0.5, "reminded_50_at", "50% elapsed"))


def clock_definition_applies(definition: ClockDefinition, incident: Incident) -> bool:
    """Whether a definition's clock runs for the incident."""
    if not definition.is_active:
        return False
    if definition.requires_personal_data and not incident.personal_data_involved:
        return False
    if definition.kinds and incident.kind not in definition.kinds:
        return False
    minimum = SEVERITY_RANK.get(definition.min_severity, 0)
    return SEVERITY_RANK.get(incident.severity, 0) >= minimum


def _format(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


@transaction.atomic
def clocks_start(*, incident: Incident, actor: Actor | None = None) -> list[RegulatoryClock]:
    """Start a clock for every applicable definition the incident has none for yet (safe to call again)."""
    actor = actor or Actor.system("incident clocks")
    started = []
    for definition in ClockDefinition.objects.filter(is_active=True):
        if not clock_definition_applies(definition, incident):
            continue
        clock, created = RegulatoryClock.objects.get_or_create(
            incident=incident,
            regulation=definition.regulation,
            defaults={
                "name": definition.name,
                "started_at": incident.aware_at,
                "due_at": incident.aware_at + timedelta(hours=definition.hours),
            },
        )
        if not created:
            continue
        started.append(clock)
        timeline_audited(
            incident=incident,
            kind=TimelineKind.CLOCK,
            actor=actor,
            message=f"{clock.name} clock started: the authority must be told by {_format(clock.due_at)} UTC",
            data={"clock_id": clock.pk, "regulation": clock.regulation, "due_at": clock.due_at.isoformat()},
            action="incidents.clock_started",
            target=clock,
            changes={"regulation": clock.regulation, "due_at": clock.due_at.isoformat()},
        )
    return started


def _hours(clock: RegulatoryClock) -> timedelta:
    definition = ClockDefinition.objects.filter(regulation=clock.regulation).first()
    return timedelta(hours=definition.hours) if definition is not None else clock.due_at - clock.started_at


def _settle_status(clock: RegulatoryClock, now: datetime) -> None:
    """The state that follows from the clock's times (after its start moved)."""
    if clock.status == ClockStatus.STOPPED:
        return
    if clock.authority_notified_at is not None:
        clock.status = ClockStatus.MET if clock.authority_notified_at <= clock.due_at else ClockStatus.LATE
    elif clock.due_at <= now:
        clock.status = ClockStatus.OVERDUE
        clock.overdue_at = clock.overdue_at or now
    else:
        clock.status = ClockStatus.RUNNING
        clock.overdue_at = None


@transaction.atomic
def clock_aware_at_change(*, incident: Incident, actor: Actor, aware_at: datetime, reason: str) -> Incident:
    """Move the moment the platform became aware (with a reason): every clock of the incident restarts
    from it and its deadline is recomputed."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            _("Changing when the platform became aware moves the legal deadlines: give a reason."),
            fields={"reason": [_("required")]},
        )
    now = timezone.now()
    if timezone.is_naive(aware_at):
        raise ApplicationError(_("Give the moment with its time zone."), fields={"aware_at": [_("time zone required")]})
    if aware_at > now:
        raise ApplicationError(
            _("The platform cannot have become aware in the future."), fields={"aware_at": [_("future")]}
        )
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    before = incident.aware_at
    Incident.objects.filter(pk=incident.pk).update(aware_at=aware_at, updated_at=now)
    incident.aware_at = aware_at
    changes = {"aware_at": {"before": before.isoformat(), "after": aware_at.isoformat()}}
    for clock in incident.clocks.select_for_update():
        clock.due_at = aware_at + _hours(clock)
        clock.started_at = aware_at
        clock.start_change_reason = reason[:300]
        _settle_status(clock, now)
        clock.save()
        changes[clock.regulation] = {"due_at": clock.due_at.isoformat(), "status": clock.status}
    timeline_audited(
        incident=incident,
        kind=TimelineKind.CLOCK,
        actor=actor,
        message=f"Aware since {_format(aware_at)} UTC (was {_format(before)}): {reason}"[:500],
        data={"changes": changes, "reason": reason},
        action="incidents.clock_aware_at_changed",
        changes=changes,
        reason=reason[:300],
    )
    return incident


def _notify(clock: RegulatoryClock, *, stage: str, state: str, now: datetime) -> None:
    incident = clock.incident
    incident_alert(
        incident,
        kind=EventKind.INCIDENT_CLOCK,
        key=f"clock:{clock.regulation}:{stage}",
        severity=Severity.CRITICAL if stage in ("90", "overdue") else Severity.WARNING,
        context={"clock": clock.name, "due_at": _format(clock.due_at), "state": state},
        reason="clock_overdue" if stage == "overdue" else "clock_reminder",
        now=now,
    )  # to the compliance officers (the kind's default role)
    timeline_add(
        incident=incident,
        kind=TimelineKind.CLOCK,
        actor=Actor.system("incident clocks"),
        message=f"{clock.name}: {state}, due {_format(clock.due_at)} UTC; compliance officers reminded",
        data={"clock_id": clock.pk, "stage": stage},
        at=now,
    )


def _sweep_one(clock_id: int, now: datetime) -> bool:
    with transaction.atomic():
        clock = (
            RegulatoryClock.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("incident")
            .filter(pk=clock_id, status=ClockStatus.RUNNING, authority_notified_at__isnull=True)
            .first()
        )
        if clock is None:
            return False
        if clock.due_at <= now:
            clock.status, clock.overdue_at = ClockStatus.OVERDUE, now
            clock.save(update_fields=["status", "overdue_at"])
            _notify(clock, stage="overdue", state="overdue", now=now)
            return True
        elapsed = (now - clock.started_at) / (clock.due_at - clock.started_at)
        for threshold, stamp, state in REMINDERS:
            if elapsed >= threshold and getattr(clock, stamp) is None:
                # a sweep that first sees a clock past 90 % sends the 90 % reminder only
                clock.reminded_90_at = clock.reminded_90_at or (now if threshold >= 0.9 else None)
                clock.reminded_50_at = clock.reminded_50_at or now
                clock.save(update_fields=["reminded_50_at", "reminded_90_at"])
                _notify(clock, stage=stamp.removeprefix("reminded_").removesuffix("_at"), state=state, now=now)
                return True
        return False


def clocks_sweep(*, now: datetime | None = None) -> int:
    """Remind at 50 % and 90 % of each running clock and mark the ones past due overdue; returns how many
    clocks it acted on. Each clock once per stage, each in its own transaction."""
    now = now or timezone.now()
    candidates = RegulatoryClock.objects.filter(status=ClockStatus.RUNNING, authority_notified_at__isnull=True)
    return sum(_sweep_one(clock_id, now) for clock_id in candidates.values_list("pk", flat=True).order_by("due_at"))


def _validate_notice(at: datetime | None, notice: str, who: str, now: datetime) -> None:
    if at is None:
        return
    if timezone.is_naive(at):
        raise ApplicationError(_("Give when the %(who)s were told with its time zone.") % {"who": who})
    if at > now:
        raise ApplicationError(_("The %(who)s cannot have been told in the future.") % {"who": who})
    if not notice.strip():
        raise ApplicationError(_("Say how the %(who)s were told (channel, recipient, reference).") % {"who": who})


@transaction.atomic
def clock_record_notice(
    *,
    clock: RegulatoryClock,
    actor: Actor,
    authority_notified_at: datetime | None = None,
    authority_notice: str = "",
    subjects_notified_at: datetime | None = None,
    subjects_notice: str = "",
) -> RegulatoryClock:
    """Record when and how the authority (which ends the clock: met in time or late) and the data subjects
    were told."""
    if authority_notified_at is None and subjects_notified_at is None:
        raise ApplicationError(_("Give when the authority or the data subjects were told."))
    now = timezone.now()
    _validate_notice(authority_notified_at, authority_notice, _("authority"), now)
    _validate_notice(subjects_notified_at, subjects_notice, _("data subjects"), now)
    clock = RegulatoryClock.objects.select_for_update().select_related("incident").get(pk=clock.pk)
    if authority_notified_at is not None:
        if clock.authority_notified_at is not None:
            raise ApplicationError(_("The authority's notice is already recorded for this clock."))
        clock.authority_notified_at, clock.authority_notice = authority_notified_at, authority_notice.strip()[:500]
    if subjects_notified_at is not None:
        clock.subjects_notified_at, clock.subjects_notice = subjects_notified_at, subjects_notice.strip()[:500]
    _settle_status(clock, now)
    clock.save()
    changes = {
        "status": clock.status,
        "authority_notified_at": clock.authority_notified_at.isoformat() if clock.authority_notified_at else None,
        "subjects_notified_at": clock.subjects_notified_at.isoformat() if clock.subjects_notified_at else None,
    }
    timeline_audited(
        incident=clock.incident,
        kind=TimelineKind.CLOCK,
        actor=actor,
        message=f"{clock.name}: notice recorded ({clock.get_status_display()})",
        data={"clock_id": clock.pk, **changes},
        action="incidents.clock_notice_recorded",
        target=clock,
        changes=changes,
    )
    return clock


def clocks_overdue(*, now: datetime | None = None):
    """The clocks past their deadline with no notice of the authority recorded (whether or not the sweep
    has marked them yet)."""
    now = now or timezone.now()
    return RegulatoryClock.objects.filter(
        status__in=COUNTING, authority_notified_at__isnull=True, due_at__lte=now
    ).select_related("incident")


# What an edit of a clock definition records in its audit event.
DEFINITION_FIELDS = ["regulation", "name", "hours", "requires_personal_data", "kinds", "min_severity", "is_active"]


@transaction.atomic
def clock_definition_save(*, definition: ClockDefinition, actor: Actor) -> ClockDefinition:
    """Create or change a regulation's clock (admin): applies to incidents opened, or whose personal data,
    severity or kind change, afterwards; running clocks keep their deadline."""
    unknown = [kind for kind in definition.kinds or [] if kind not in IncidentKind.values]
    if not isinstance(definition.kinds, list) or unknown:
        raise ApplicationError(
            _("Kinds are a list of incident kinds (%(kinds)s); unknown: %(unknown)s.")
            % {"kinds": ", ".join(IncidentKind.values), "unknown": unknown},
            fields={"kinds": [_("unknown kinds")]},
        )
    if definition.min_severity and definition.min_severity not in IncidentSeverity.values:
        raise ApplicationError(_("The minimum severity is low, medium, high, critical or empty."))
    if definition.hours < 1:
        raise ApplicationError(_("A clock runs at least one hour."), fields={"hours": [_("at least 1")]})
    before = {}
    if definition.pk:
        before = model_to_dict(ClockDefinition.objects.select_for_update().get(pk=definition.pk), DEFINITION_FIELDS)
    definition.save()
    changes = field_changes(before, model_to_dict(definition, DEFINITION_FIELDS))
    if changes:
        audit_record(actor=actor, action="incidents.clock_definition_saved", target=definition, changes=changes)
    return definition
