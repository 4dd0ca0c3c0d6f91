"""Periodic jobs of the service registry (joined in apps/integration/schedules.py)."""

from django.conf import settings

SCHEDULES: list[dict] = [
    {
        "name": "registry: sync services and instances",
        "task": "apps.integration.registry.tasks.registry_sync_task",
        "every_seconds": settings.REGISTRY_SYNC_SECONDS,
    },
    # each check has its own interval; this sweep only runs the ones that are due
    {
        "name": "registry: run due health checks",
        "task": "apps.integration.registry.tasks.registry_checks_run_task",
        "every_seconds": settings.REGISTRY_CHECK_SWEEP_SECONDS,
    },
    {
        "name": "registry: deregister long-critical instances, prune results",
        "task": "apps.integration.registry.tasks.registry_maintain_task",
        "every_seconds": 60,
    },
    # beat's own heartbeat: sent by beat, so it stops when beat stops
    {
        "name": "registry: beat heartbeat",
        "task": "apps.integration.registry.tasks.registry_beat_heartbeat_task",
        "every_seconds": settings.REGISTRY_HEARTBEAT_SECONDS,
    },
]
