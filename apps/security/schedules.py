"""Periodic jobs of the security app (synced into django-celery-beat by apps/core/beat.py)."""

from django.conf import settings

SCHEDULES = [
    {
        "name": "security: correlate events",
        "task": "apps.security.tasks.security_correlate_task",
        "every_seconds": settings.SECURITY_CORRELATION_INTERVAL_SECONDS,
    },
    {
        "name": "security: behavioural baselines",
        "task": "apps.security.tasks.security_baselines_task",
        "every_seconds": settings.SECURITY_BASELINE_INTERVAL_SECONDS,
    },
    {
        "name": "security: publish address blocks",
        "task": "apps.security.tasks.security_address_blocks_refresh_task",
        "every_seconds": 60,
    },
]
