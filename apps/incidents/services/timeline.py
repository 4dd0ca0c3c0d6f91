"""The one writer of timeline lines: every service of the app calls `timeline_add` in its transaction."""

from datetime import datetime
from typing import Any

from django.utils import timezone

from apps.core.actors import Actor
from apps.incidents.models import Incident, TimelineEntry
from apps.incidents.signals import incident_timeline_added


def timeline_add(
    *,
    incident: Incident,
    kind: str,
    actor: Actor,
    message: str,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> TimelineEntry:
    """Append one line to the incident's timeline (automatic entries and notes alike)."""
    entry = TimelineEntry.objects.create(
        incident=incident,
        occurred_at=at or timezone.now(),
        kind=kind,
        actor_label=actor.label[:150],
        message=message[:500],
        data=data or {},
    )
    incident_timeline_added.send(sender=TimelineEntry, incident=incident, entry=entry)
    return entry
