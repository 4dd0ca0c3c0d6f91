"""Periodic jobs of incident response (synced into django-celery-beat by apps/core/beat.py)."""

from django.conf import settings

SCHEDULES = [
    {
        "name": "incidents: regulatory clock reminders and overdue states",
        "task": "apps.incidents.tasks.clocks_sweep_task",
        "every_seconds": settings.INCIDENT_CLOCK_SWEEP_SECONDS,
    },
]
