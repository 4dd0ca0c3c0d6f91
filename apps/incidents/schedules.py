"""Periodic jobs of incident response (synced into django-celery-beat by apps/core/beat.py)."""

from django.conf import settings

SCHEDULES = [
    {
        "name": "incidents: resume playbook steps",
        "task": "apps.incidents.tasks.playbooks_sweep_task",
        "every_seconds": settings.INCIDENTS_PLAYBOOK_SWEEP_SECONDS,
    },
]
