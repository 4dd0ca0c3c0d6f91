"""Periodic jobs of the core app (synced into django-celery-beat by apps/core/beat.py)."""

SCHEDULES = [
    {"name": "core: warm hot cache keys", "task": "apps.core.tasks.cache_warm_task", "every_seconds": 300},
]
