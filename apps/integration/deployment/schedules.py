"""Periodic jobs of deployment."""

from django.conf import settings

SCHEDULES: list[dict] = [
    # releases whose Job ran `migrate` on its own, or died: migrated once applied, failed after the timeout
    {
        "name": "integration: close started releases",
        "task": "apps.integration.deployment.tasks.release_reconcile_task",
        "every_seconds": settings.RELEASE_RECONCILE_SECONDS,
    },
]
