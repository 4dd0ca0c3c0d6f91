"""Declaring, changing, moving, noting and linking incidents: each one transaction, one audit event, one
timeline line, and the incident's signal (apps/incidents/signals.py) sent inside the transaction.

Status path: new -> triaged -> contained -> eradicated -> recovered -> closed. Moving forward one step needs
nothing; skipping states needs a reason; moving back is refused, except that a closed incident may be
reopened (with a reason), after which it goes on from triaged. The first arrival at a state stamps its time
(triaged_at, contained_at, eradicated_at, recovered_at); closed_at is the latest close and is cleared by a
reopening.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record, field_changes
from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.incidents.choices import STATUS_PATH, IncidentKind, IncidentSeverity, IncidentStatus, TimelineKind
from apps.incidents.models import EscalationPolicy, Incident, IncidentRule, TimelineEntry
from apps.incidents.services.links import earliest_link_time, incident_links_add, link_rows
from apps.incidents.services.timeline import timeline_add
from apps.incidents.services.validation import (
    SETTERS,
    check_choice,
    check_guild,
    check_staff,
    check_systems,
    check_title,
    escalation_levels_copy,
    resolve_policy,
)
from apps.incidents.signals import incident_opened, incident_status_changed, incident_updated
from apps.tenants.models import Tenant

# The timestamp stamped on the first arrival at each state.
ARRIVAL_FIELDS = {
    IncidentStatus.TRIAGED: "triaged_at",
    IncidentStatus.CONTAINED: "contained_at",
    IncidentStatus.ERADICATED: "eradicated_at",
    IncidentStatus.RECOVERED: "recovered_at",
}
ASSIGNMENT_FIELDS = frozenset({"owner", "assignees"})
NOTE_MAX_LENGTH = 500


@transaction.atomic
def incident_declare(
    *,
    actor: Actor,
    title: str,
    kind: str,
    severity: str,
    personal_data_involved: bool = False,
    escalation_policy: EscalationPolicy | int | None = None,
    guild_id: str = "",
    description: str = "",
    owner=None,
    affected_systems: Iterable[str] = (),
    security_alerts: Iterable[Any] = (),
    fraud_cases: Iterable[Any] = (),
    check_runs: Iterable[Any] = (),
    audit_events: Iterable[Any] = (),
    rule: IncidentRule | None = None,
    correlation_key: str = "",
    detected_at: datetime | None = None,
    now: datetime | None = None,
) -> Incident:
    """Open an incident with a copy of its escalation policy's levels (the given policy, else the rule's,
    else the default one); detected at its earliest linked event, else now."""
    now = now or timezone.now()
    title = check_title(title)
    check_choice(kind, IncidentKind, "kind")
    check_choice(severity, IncidentSeverity, "severity")
    check_guild(guild_id)
    systems = check_systems(affected_systems)
    check_staff(owner, "owner")
    policy = resolve_policy(escalation_policy, rule)
    rows = link_rows(
        security_alerts=security_alerts, fraud_cases=fraud_cases, check_runs=check_runs, audit_events=audit_events
    )
    detected_at = detected_at or min(filter(None, [earliest_link_time(rows), now]))
    incident = Incident.objects.create(
        title=title,
        kind=kind,
        severity=severity,
        description=description,
        owner=owner,
        declared_by_label=(rule.name if rule is not None else actor.label)[:150],
        guild_id=guild_id,
        affected_systems=systems,
        personal_data_involved=bool(personal_data_involved),
        rule=rule,
        correlation_key=correlation_key[:200],
        detected_at=detected_at,
        aware_at=now,
        escalation_policy=policy,
        escalation_levels=escalation_levels_copy(policy),
    )
    for name, found in rows.items():
        getattr(incident, name).add(*found)
    if guild_id:
        incident.affected_tenants.add(*Tenant.objects.filter(guild_id=guild_id))
    links = {name: sorted(row.pk for row in found) for name, found in rows.items() if found}
    audit_record(
        actor=actor,
        action="incidents.declared",
        target=incident,
        guild_id=guild_id,
        changes=field_changes(
            {},
            {
                "title": title,
                "kind": kind,
                "severity": severity,
                "personal_data_involved": incident.personal_data_involved,
                "escalation_policy": policy.pk if policy else None,
                "rule": rule.pk if rule else None,
                **links,
            },
        ),
    )
    source = f" by rule {rule.name}" if rule is not None else ""
    timeline_add(
        incident=incident,
        kind=TimelineKind.OPENED,
        actor=actor,
        message=f"Declared{source}: {severity} {kind.replace('_', ' ')}: {title}",
        data={"severity": severity, "kind": kind, "escalation_policy": policy.pk if policy else None, **links},
        at=now,
    )
    incident_opened.send(sender=Incident, incident=incident, actor=actor)
    return incident


def _lock(incident: Incident) -> Incident:
    return Incident.objects.select_for_update().get(pk=incident.pk)


def _snapshot(incident: Incident) -> dict[str, Any]:
    return {
        "title": incident.title,
        "description": incident.description,
        "kind": incident.kind,
        "severity": incident.severity,
        "owner": incident.owner.get_username() if incident.owner_id else None,
        "assignees": sorted(incident.assignees.values_list("username", flat=True)),
        "guild_id": incident.guild_id,
        "affected_systems": list(incident.affected_systems),
        "personal_data_involved": incident.personal_data_involved,
        "affected_tenants": sorted(incident.affected_tenants.values_list("guild_id", flat=True)),
        "affected_members": sorted(incident.affected_members.values_list("pk", flat=True)),
    }


@transaction.atomic
def incident_update(*, incident: Incident, actor: Actor, **fields: Any) -> Incident:
    """Change an incident's fields (those of SETTERS: not its status, links or awareness time, which move
    through their own services); a change that changes nothing is refused."""
    unknown = set(fields) - set(SETTERS)
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed here: %(fields)s.") % {"fields": ", ".join(sorted(unknown))},
            code="invalid_field",
            fields={name: [_("Cannot be changed here.")] for name in sorted(unknown)},
        )
    incident = _lock(incident)
    before = _snapshot(incident)
    for name, value in fields.items():
        SETTERS[name](incident, value)
    after = _snapshot(incident)
    changes = field_changes(before, after)
    if not changes:
        raise ApplicationError(_("Nothing to change: every value given is the current one."), code="no_change")
    incident.save()
    audit_record(actor=actor, action="incidents.updated", target=incident, guild_id=incident.guild_id, changes=changes)
    kind = TimelineKind.ASSIGNED if set(changes) <= ASSIGNMENT_FIELDS else TimelineKind.UPDATED
    described = "; ".join(f"{name}: {change['before']} -> {change['after']}" for name, change in changes.items())
    timeline_add(incident=incident, kind=kind, actor=actor, message=f"Changed {described}", data=changes)
    incident_updated.send(sender=Incident, incident=incident, actor=actor, changes=changes)
    return incident


def _path_position(status: str) -> int:
    # a reopened incident goes on from triaged: it stands where a new one does
    return 0 if status == IncidentStatus.REOPENED else STATUS_PATH.index(status)


def check_transition(current: str, status: str, reason: str) -> None:
    check_choice(status, IncidentStatus, "status")
    if status == current:
        raise ApplicationError(
            _("The incident is already %(status)s.") % {"status": status},
            code="no_change",
            fields={"status": [_("Current.")]},
        )
    if current == IncidentStatus.CLOSED or status == IncidentStatus.REOPENED:
        if current != IncidentStatus.CLOSED or status != IncidentStatus.REOPENED:
            raise ApplicationError(
                _("A closed incident can only be reopened, and only a closed incident can be reopened."),
                code="invalid_transition",
                fields={"status": [_("Not allowed from %(current)s.") % {"current": current}]},
            )
        if not reason:
            raise ApplicationError(
                _("Say why the incident is reopened."), code="reason_required", fields={"reason": [_("Required.")]}
            )
        return
    step = _path_position(status) - _path_position(current)
    if step < 0:
        raise ApplicationError(
            _("An incident that is %(current)s cannot go back to %(status)s.") % {"current": current, "status": status},
            code="invalid_transition",
            fields={"status": [_("Not allowed from %(current)s.") % {"current": current}]},
        )
    if step > 1 and not reason:
        skipped = STATUS_PATH[_path_position(current) + 1 : _path_position(status)]
        raise ApplicationError(
            _("Moving from %(current)s to %(status)s skips %(skipped)s: give a reason.")
            % {"current": current, "status": status, "skipped": ", ".join(skipped)},
            code="reason_required",
            fields={"reason": [_("Required when states are skipped.")]},
        )


@transaction.atomic
def incident_transition(*, incident: Incident, actor: Actor, status: str, reason: str = "") -> Incident:
    """Move an incident along its path (skipping needs a reason, going back is refused; a closed one can be
    reopened with a reason); the first arrival at each state stamps its time."""
    reason = (reason or "").strip()
    incident = _lock(incident)
    current = incident.status
    check_transition(current, status, reason)
    now = timezone.now()
    incident.status = status
    stamp = ARRIVAL_FIELDS.get(status)
    if stamp and getattr(incident, stamp) is None:
        setattr(incident, stamp, now)
    if status == IncidentStatus.CLOSED:
        incident.closed_at = now
    elif status == IncidentStatus.REOPENED:
        incident.closed_at = None
        incident.reopened_count += 1
    incident.save()
    audit_record(
        actor=actor,
        action="incidents.status_changed",
        target=incident,
        guild_id=incident.guild_id,
        changes=field_changes({"status": current}, {"status": status}),
        reason=reason,
    )
    timeline_add(
        incident=incident,
        kind=TimelineKind.STATUS_CHANGED,
        actor=actor,
        message=f"Status {current} -> {status}" + (f": {reason}" if reason else ""),
        data={"from": current, "to": status, "reason": reason},
        at=now,
    )
    incident_status_changed.send(
        sender=Incident, incident=incident, actor=actor, from_status=current, to_status=status, reason=reason
    )
    return incident


@transaction.atomic
def incident_note(*, incident: Incident, actor: Actor, text: str) -> TimelineEntry:
    """Add a responder's note (1 to 500 characters) to the timeline."""
    text = (text or "").strip()
    if not text or len(text) > NOTE_MAX_LENGTH:
        raise ApplicationError(
            _("A note is 1 to %(max)s characters.") % {"max": NOTE_MAX_LENGTH},
            code="invalid_note",
            fields={"text": [_("1 to 500.")]},
        )
    incident = _lock(incident)
    entry = timeline_add(incident=incident, kind=TimelineKind.NOTE, actor=actor, message=text)
    audit_record(
        actor=actor,
        action="incidents.noted",
        target=incident,
        guild_id=incident.guild_id,
        changes={"timeline_entry": {"before": None, "after": entry.pk}},
    )
    return entry


@transaction.atomic
def incident_link(
    *,
    incident: Incident,
    actor: Actor,
    security_alerts: Iterable[Any] = (),
    fraud_cases: Iterable[Any] = (),
    check_runs: Iterable[Any] = (),
    audit_events: Iterable[Any] = (),
) -> Incident:
    """Link alerts, fraud cases, check runs or audit events that caused or explain the incident; linking
    nothing new is refused."""
    rows = link_rows(
        security_alerts=security_alerts, fraud_cases=fraud_cases, check_runs=check_runs, audit_events=audit_events
    )
    incident = _lock(incident)
    added = incident_links_add(incident=incident, rows=rows)
    if not added:
        raise ApplicationError(_("Nothing to link: give rows that are not linked yet."), code="no_change")
    changes = {name: {"before": None, "after": ids} for name, ids in added.items()}
    audit_record(actor=actor, action="incidents.linked", target=incident, guild_id=incident.guild_id, changes=changes)
    described = "; ".join(f"{name.replace('_', ' ')} {', '.join(map(str, ids))}" for name, ids in added.items())
    timeline_add(incident=incident, kind=TimelineKind.LINKED, actor=actor, message=f"Linked {described}", data=added)
    incident_updated.send(sender=Incident, incident=incident, actor=actor, changes=changes)
    return incident
