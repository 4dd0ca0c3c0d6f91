"""Periodic jobs of API management."""

from django.conf import settings

SCHEDULES: list[dict] = [
    {
        "name": "integration: fold API usage per key into daily rows",
        "task": "apps.integration.api.tasks.api_usage_fold_task",
        "every_seconds": settings.USAGE_FOLD_SECONDS,
    },
]
