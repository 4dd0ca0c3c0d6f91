"""Thin Celery tasks of the security app: each one calls one function and is safe to run twice."""

from celery import shared_task
from django.db import OperationalError
from redis.exceptions import RedisError


@shared_task(acks_late=True, autoretry_for=(OperationalError, RedisError), retry_backoff=True, max_retries=5)
def security_event_evaluate_task(event_id: int) -> int:
    """Run the rules on one new event (a repeat adds nothing: the alert already holds the events)."""
    from apps.security.detection.engine import event_evaluate  # noqa: PLC0415 - services import this module

    return len(event_evaluate(event_id=event_id))


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def security_correlate_task() -> int:
    """Evaluate every rule over the stored events of the lookback window."""
    from apps.security.detection.engine import correlate  # noqa: PLC0415

    return len(correlate())


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def security_baselines_task() -> int:
    """Recompute the behavioural baselines, then alert on recent departures from them."""
    from apps.security.services.baselines import baselines_check, baselines_compute  # noqa: PLC0415

    baselines_compute()
    return len(baselines_check())


@shared_task(acks_late=True, autoretry_for=(OperationalError, RedisError), retry_backoff=True, max_retries=3)
def security_address_blocks_refresh_task() -> int:
    """Publish the live address blocks to the cache the door reads (refills a flushed cache)."""
    from apps.security.services.blocks import address_blocks_refresh  # noqa: PLC0415

    return address_blocks_refresh()
