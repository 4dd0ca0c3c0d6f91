"""Periodic jobs of analytics (synced into django-celery-beat by apps/core/beat.py)."""

from django.conf import settings

SCHEDULES = [
    {
        "name": "analytics: sample telemetry (requests, cache, queues, worker memory)",
        "task": "apps.analytics.tasks.telemetry_sample_task",
        "every_seconds": settings.TELEMETRY_SAMPLE_SECONDS,
    },
    {
        "name": "analytics: compact and prune telemetry samples",
        "task": "apps.analytics.tasks.telemetry_compact_task",
        "every_seconds": 3600,
    },
]
