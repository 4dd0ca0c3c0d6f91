"""Reactions to the incident signals (signals.py) and to the alerts, cases and checks that open incidents."""

from django.db.models.signals import post_migrate
from django.dispatch import receiver

from apps.core.enqueue import enqueue
from apps.incidents.services.playbooks import playbooks_load
from apps.incidents.signals import incident_opened
from apps.incidents.tasks import playbook_start_task


@receiver(incident_opened, dispatch_uid="incidents.playbook_start")
def playbook_start_on_open(sender, incident, **kwargs) -> None:
    """Run the kind's playbook once the incident is committed (the outbox row rolls back with it)."""
    enqueue(playbook_start_task, incident.pk)


@receiver(post_migrate, dispatch_uid="incidents.playbooks_load")
def playbooks_load_after_migrate(sender, **kwargs) -> None:
    """A fresh install (and every migrate) has the repo's playbooks: changed files become new versions."""
    if getattr(sender, "label", None) != "incidents":
        return
    playbooks_load()
