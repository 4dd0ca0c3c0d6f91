"""Live incident pages: every timeline line (incidents.signals.incident_timeline_added, sent inside the change's
transaction) tells, after commit, the open list and board pages (group "portal.incidents") and the open page of
that incident ("portal.incident.<id>"): `{"type": "changed", "incident": id, "kind": timeline kind}`. The browser
then fetches the changed fragment again over HTTP with its own session (static/portal/incidents.js), so what it
shows is what that user may read. A broken channel layer never fails the change (apps.core.broadcast)."""

import logging

from apps.core.broadcast import broadcast_on_commit
from apps.incidents.signals import incident_timeline_added

logger = logging.getLogger(__name__)

INCIDENTS_GROUP = "portal.incidents"


def incidents_group() -> str:
    return INCIDENTS_GROUP


def incident_group(incident_id: int) -> str:
    return f"portal.incident.{int(incident_id)}"


def incident_changed(*, incident_id: int, kind: str) -> None:
    """Tell the list/board pages and that incident's open pages, once the transaction commits."""
    message = {"type": "incident.changed", "incident": int(incident_id), "kind": str(kind)[:32]}
    for group in (incidents_group(), incident_group(incident_id)):
        broadcast_on_commit(group=group, message=lambda: dict(message), label="portal incidents")


def _on_timeline_added(sender, incident, entry, **kwargs) -> None:
    try:
        incident_changed(incident_id=incident.pk, kind=entry.kind)
    except Exception:  # noqa: BLE001 - a live view must never break the change that caused it
        logger.exception("portal incidents receiver failed")


def connect() -> None:
    incident_timeline_added.connect(_on_timeline_added, weak=False, dispatch_uid="portal.incidents.timeline")
