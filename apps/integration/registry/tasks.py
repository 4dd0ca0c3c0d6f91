"""Celery tasks of the service registry (thin: one call each), all sent by beat; imported by
apps/integration/tasks.py. A sweep that waited in the queue longer than its expiry is dropped: the next one
comes in seconds and would do the same work with fresher data."""

from celery import shared_task

from apps.integration.registry.discovery import registry_sync
from apps.integration.registry.heartbeats import beat_heartbeat
from apps.integration.registry.services import instances_deregister_critical, results_prune
from apps.integration.registry.sweep import checks_run_due

__all__ = [
    "registry_beat_heartbeat_task",
    "registry_checks_run_task",
    "registry_maintain_task",
    "registry_sync_task",
]


@shared_task(ignore_result=True, expires=60)
def registry_sync_task() -> int:
    """Register the infrastructure, the webhook upstreams and the processes that announced themselves."""
    return registry_sync()


@shared_task(ignore_result=True, expires=30)
def registry_checks_run_task() -> dict[str, int]:
    """Run the health checks that are due; counts by status."""
    return checks_run_due()


@shared_task(ignore_result=True, expires=60)
def registry_maintain_task() -> dict[str, int]:
    """Deregister instances critical past their period; delete check results past retention."""
    return {"deregistered": len(instances_deregister_critical()), "pruned": results_prune()}


@shared_task(ignore_result=True, expires=30)
def registry_beat_heartbeat_task() -> None:
    """Beat is alive while this arrives: refresh beat's announcement (its TTL check reads the age)."""
    beat_heartbeat()
