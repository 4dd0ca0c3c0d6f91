"""What caused or explains an incident: the alerts, fraud cases, check runs and audit events linked to it."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Min
from django.utils.translation import gettext

from apps.audit.models import AuditEvent
from apps.compliance.models import CheckRun
from apps.core.errors import ApplicationError
from apps.fraud.models import FraudCase
from apps.incidents.models import Incident
from apps.security.models import Alert

# link argument (the incident's relation) -> (the linked model, its time field that detected_at is measured by)
LINKS = {
    "security_alerts": (Alert, "first_seen_at"),
    "fraud_cases": (FraudCase, "first_detected_at"),
    "check_runs": (CheckRun, "started_at"),
    "audit_events": (AuditEvent, "occurred_at"),
}


def link_rows(**links: Iterable[Any]) -> dict[str, list[Any]]:
    """The rows each link argument names (instances or ids); an unknown id is refused."""
    rows: dict[str, list[Any]] = {}
    for name, values in links.items():
        model, _ = LINKS[name]
        ids = {value.pk if hasattr(value, "pk") else value for value in values or ()}
        if not all(isinstance(pk, int) and not isinstance(pk, bool) for pk in ids):
            raise ApplicationError(
                gettext("%(name)s are ids (integers).") % {"name": name},
                code="invalid_link",
                fields={name: [gettext("Ids.")]},
            )
        found = list(model.objects.filter(pk__in=ids))
        missing = ids - {row.pk for row in found}
        if missing:
            raise ApplicationError(
                gettext("No %(name)s with id %(ids)s.")
                % {"name": name.replace("_", " "), "ids": ", ".join(str(pk) for pk in sorted(missing))},
                code="unknown_link",
                fields={name: [gettext("Unknown ids: %(ids)s.") % {"ids": sorted(missing)}]},
            )
        rows[name] = found
    return rows


def earliest_link_time(rows: dict[str, list[Any]]) -> datetime | None:
    times = [getattr(row, LINKS[name][1]) for name, found in rows.items() for row in found]
    return min(times, default=None)


def link_ids(incident: Incident) -> dict[str, list[int]]:
    return {name: sorted(getattr(incident, name).values_list("pk", flat=True)) for name in LINKS}


def incident_links_add(*, incident: Incident, rows: dict[str, list[Any]]) -> dict[str, list[int]]:
    """Link the rows not yet linked (the caller holds the incident's lock); detected_at moves to an earlier
    linked event. Returns the ids newly linked, per link kind."""
    current = link_ids(incident)
    added = {
        name: sorted(row.pk for row in found if row.pk not in current[name])
        for name, found in rows.items()
        if any(row.pk not in current[name] for row in found)
    }
    for name, ids in added.items():
        getattr(incident, name).add(*ids)
    earliest = earliest_link_time({name: [row for row in rows[name] if row.pk in ids] for name, ids in added.items()})
    if earliest is not None and earliest < incident.detected_at:
        incident.detected_at = earliest
        incident.save(update_fields=["detected_at", "updated_at"])
    return added


def incident_earliest_link_time(*, incident: Incident) -> datetime | None:
    """The time of the incident's earliest linked event (the review measures from it)."""
    times = [getattr(incident, name).aggregate(first=Min(field))["first"] for name, (_model, field) in LINKS.items()]
    return min(filter(None, times), default=None)
