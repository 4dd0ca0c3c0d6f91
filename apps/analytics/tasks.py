"""Thin Celery tasks of analytics: each one service call, safe to run twice."""

from celery import shared_task
from django.db import OperationalError

from apps.analytics.telemetry.retention import telemetry_compact, telemetry_prune
from apps.analytics.telemetry.sampler import telemetry_sample


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def telemetry_sample_task() -> int:
    """Beat, every minute: store the increase of the request and cache counters, the queues and worker memory
    (a retry later stores the same increase once: the cursor moves only with the rows)."""
    return telemetry_sample()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def telemetry_compact_task() -> int:
    """Beat, hourly: old minute samples into hour samples, then samples past the retention deleted."""
    compacted = telemetry_compact()
    telemetry_prune()
    return compacted
