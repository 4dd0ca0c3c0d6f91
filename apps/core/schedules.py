"""Periodic jobs of the core app (synced into django-celery-beat by apps/core/beat.py)."""

SCHEDULES = [
    {"name": "core: warm hot cache keys", "task": "apps.core.tasks.cache_warm_task", "every_seconds": 300},
    # tasks written while the broker was down, failed runs after their back-off, lost messages
    {"name": "core: dispatch the task outbox", "task": "apps.core.tasks.outbox_dispatch_task", "every_seconds": 5},
]
