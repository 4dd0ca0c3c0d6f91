"""Reactions to the incident signals (signals.py) and to the alerts, cases and checks that open incidents."""

from django.dispatch import receiver

from apps.core.enqueue import enqueue
from apps.incidents.signals import incident_opened
from apps.incidents.tasks import escalation_start_task


@receiver(incident_opened, dispatch_uid="incidents.escalation_start")
def escalation_start_on_open(sender, incident, **kwargs) -> None:
    """A new incident notifies its start level after commit (a rolled-back opening notifies nobody)."""
    enqueue(escalation_start_task, incident.pk)
