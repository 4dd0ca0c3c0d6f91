"""Periodic jobs of the analytics app (synced into django-celery-beat by apps/core/beat.py)."""

from django.conf import settings

SCHEDULES = [
    # the rollups' refresh besides the task each change enqueues: a lost task or a failed tenant is
    # retried within this period; tenants never built (or whose time zone changed) are rebuilt here
    {
        "name": "analytics: refresh the rollups",
        "task": "apps.analytics.tasks.analytics_rollups_maintain_task",
        "every_seconds": settings.ANALYTICS_REFRESH_SECONDS,
    },
]
