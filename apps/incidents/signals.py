"""The incident's own events, sent by the incident services inside their transaction.

The parts of incident response that react to them (escalation, playbooks, clocks, reviews, the portal's live
view) connect in receivers.py and do their work after commit through the outbox (`apps.core.enqueue`), so a
rolled-back change starts nothing.
"""

from django.dispatch import Signal

# incident: Incident, actor: Actor
incident_opened = Signal()
# incident: Incident, actor: Actor, changes: dict[str, {"before", "after"}]
incident_updated = Signal()
# incident: Incident, actor: Actor, from_status: str, to_status: str, reason: str
incident_status_changed = Signal()
# incident: Incident, actor: Actor
incident_acknowledged = Signal()
# incident: Incident, entry: TimelineEntry (every timeline line, for the live view)
incident_timeline_added = Signal()
