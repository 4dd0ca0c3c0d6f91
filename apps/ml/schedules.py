"""Periodic jobs of the ml app (synced into django-celery-beat by apps/core/beat.py; one entry per area)."""

from django.conf import settings

SCHEDULES = [
    # the registry (mlreg): PSI of each champion's logged features against its training sample, and the
    # SHA-256 of the artifacts behind every alias re-checked
    {
        "name": "ml: feature drift and artifact check",
        "task": "apps.ml.registry.tasks.drift_check_task",
        "every_seconds": settings.ML_DRIFT_CHECK_SECONDS,
    },
]
