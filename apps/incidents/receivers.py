"""Reactions to the incident signals (signals.py) and to the alerts, cases and checks that open incidents."""

from django.dispatch import receiver

from apps.core.enqueue import enqueue
from apps.incidents.choices import IncidentStatus
from apps.incidents.models import Incident
from apps.incidents.services.clocks import clocks_start
from apps.incidents.signals import incident_opened, incident_status_changed, incident_updated
from apps.incidents.tasks import review_generate_task

# a change of one of these may make another regulatory clock apply
CLOCK_FIELDS = frozenset({"personal_data_involved", "severity", "kind"})


# The clocks start inside the incident's own transaction (no I/O, a few rows): an incident is never seen
# without the legal deadlines that already run for it.
@receiver(incident_opened, dispatch_uid="incidents.clocks_on_opened")
def start_clocks_on_opened(sender, incident: Incident, actor=None, **kwargs) -> None:
    clocks_start(incident=incident, actor=actor)


@receiver(incident_updated, dispatch_uid="incidents.clocks_on_updated")
def start_clocks_on_updated(sender, incident: Incident, actor=None, changes=None, **kwargs) -> None:
    if CLOCK_FIELDS & set(changes or ()):
        clocks_start(incident=incident, actor=actor)


@receiver(incident_status_changed, dispatch_uid="incidents.review_on_closed")
def generate_review_on_closed(sender, incident: Incident, to_status: str = "", **kwargs) -> None:
    if to_status == IncidentStatus.CLOSED:
        enqueue(review_generate_task, incident.pk)
