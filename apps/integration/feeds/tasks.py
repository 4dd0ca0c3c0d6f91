"""Celery tasks of the results feed (thin: one service call each); imported by apps/integration/tasks.py.
Named under apps.integration.* so they route to the integration queue."""

from celery import shared_task
from django.utils import timezone

from apps.core.enqueue import enqueue
from apps.integration.feeds.selectors import feed_sources_due
from apps.integration.feeds.services import feed_source_sync

__all__ = ["feed_source_sync_task", "feeds_dispatch_task"]


@shared_task(acks_late=True)
def feed_source_sync_task(source_id: int) -> str | None:
    """Pull one source once; a second copy finds the lease taken and does nothing."""
    run = feed_source_sync(source_id=source_id)
    return run.status if run is not None else None


@shared_task
def feeds_dispatch_task() -> int:
    """Beat's sweep: one run for each source that is due."""
    due = feed_sources_due(now=timezone.now())
    for source_id in due:
        enqueue(feed_source_sync_task, source_id)
    return len(due)
