"""Thin Celery tasks of the analytics app: each one service call, safe to run twice."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from apps.analytics.services.rollups import rollups_maintain, rollups_refresh
from apps.core.enqueue import enqueue_at

REFRESH_RETRY_SECONDS = (5, 15, 60, 300)


@shared_task(acks_late=True)
def analytics_rollups_refresh_task(attempt: int = 0) -> int:
    """Refresh the rollups from the queue of changed bets; returns how many queued bets it took.

    A tenant whose refresh fails is rolled back alone and marked stale with the error (its queries read
    the raw rows), and its bets stay queued; the retry is a new outbox row after a back-off, written with
    the stale mark. Not a re-raise: the outbox runs a task inside its own transaction, and raising would
    roll the stale mark back with it. Beat's refresh retries too.
    """
    outcome = rollups_refresh()
    if outcome.failed and attempt < len(REFRESH_RETRY_SECONDS):
        retry_at = timezone.now() + timedelta(seconds=REFRESH_RETRY_SECONDS[attempt])
        enqueue_at(analytics_rollups_refresh_task, attempt + 1, at=retry_at)
    return outcome.bets


@shared_task(acks_late=True)
def analytics_rollups_maintain_task() -> int:
    """Beat: rebuild the tenants that need it, refresh the queue, drop expired hourly rows."""
    return rollups_maintain().refresh.bets
