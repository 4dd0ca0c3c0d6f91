"""Periodic jobs of the audit app (synced into django-celery-beat by core.beat)."""

from django.conf import settings

SCHEDULES = [
    {
        "name": "audit: seal pending events",
        "task": "apps.audit.tasks.audit_seal_pending_task",
        "every_seconds": settings.AUDIT_SEAL_INTERVAL_SECONDS,
    },
]
