"""Periodic jobs of this area (joined in apps/integration/schedules.py)."""

from django.conf import settings

SCHEDULES: list[dict] = [
    # each source has its own interval; this sweep only finds the sources that are due
    {
        "name": "integration: pull the due results feeds",
        "task": "apps.integration.feeds.tasks.feeds_dispatch_task",
        "every_seconds": settings.FEED_SWEEP_SECONDS,
    },
]
