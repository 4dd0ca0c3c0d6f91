"""Periodic jobs of the key ring (synced into django-celery-beat by apps/core/beat.py)."""

from django.conf import settings

SCHEDULES = [
    {
        # creates a new key once the active one is DBSBM_KEY_ROTATION_DAYS old, finishes any
        # interrupted re-encryption, and retires keys no row uses any more
        "name": "keyring: rotate data keys when due",
        "task": "apps.keyring.tasks.keys_rotate_task",
        "every_seconds": settings.DBSBM_KEY_ROTATION_CHECK_SECONDS,
    },
]
