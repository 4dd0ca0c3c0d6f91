"""Periodic jobs of incident response (synced into django-celery-beat by apps/core/beat.py)."""

from django.conf import settings

SCHEDULES = [
    # the safety net of the escalation timers: a step whose task was lost fires within this period
    {
        "name": "incidents: escalation sweep",
        "task": "apps.incidents.tasks.escalation_sweep_task",
        "every_seconds": 3,
    },
    {
        "name": "incidents: resume playbook steps",
        "task": "apps.incidents.tasks.playbooks_sweep_task",
        "every_seconds": settings.INCIDENTS_PLAYBOOK_SWEEP_SECONDS,
    },
    {
        "name": "incidents: regulatory clock reminders and overdue states",
        "task": "apps.incidents.tasks.clocks_sweep_task",
        "every_seconds": settings.INCIDENT_CLOCK_SWEEP_SECONDS,
    },
]
