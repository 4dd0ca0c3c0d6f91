"""Periodic jobs of the fraud app (synced into django-celery-beat by apps/core/beat.py)."""

from django.conf import settings

SCHEDULES = [
    {
        "name": "fraud: scan bets with every detector",
        "task": "apps.fraud.tasks.fraud_scan_task",
        "every_seconds": settings.FRAUD_SCAN_INTERVAL_SECONDS,
    },
]
