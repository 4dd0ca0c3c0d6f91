"""Periodic jobs of analytics (synced into django-celery-beat by apps/core/beat.py)."""

from django.conf import settings

SCHEDULES = [
    # each series is refitted only when its history changed (a new complete bucket, a late settlement)
    {
        "name": "analytics: refresh the default forecasts",
        "task": "apps.analytics.tasks.forecasts_refresh_task",
        "every_seconds": settings.ANALYTICS_FORECAST_REFRESH_SECONDS,
    },
]
