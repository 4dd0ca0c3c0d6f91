"""Periodic jobs of the privacy app (synced into django-celery-beat by apps/core/beat.py)."""

from django.conf import settings

SCHEDULES = [
    {
        "name": "privacy: data-subject request deadlines and assessment reviews",
        "task": "apps.privacy.tasks.privacy_deadlines_task",
        "every_seconds": settings.PRIVACY_SLA_CHECK_INTERVAL_SECONDS,
    },
    {
        "name": "privacy: retention run (apply retention policies)",
        "task": "apps.privacy.tasks.retention_run_task",
        "every_seconds": settings.RETENTION_RUN_INTERVAL_SECONDS,
    },
]
