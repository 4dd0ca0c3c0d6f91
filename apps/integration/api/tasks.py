"""Celery tasks of API management (usage roll-up)."""

from celery import shared_task
from django.db import OperationalError
from redis.exceptions import RedisError

from apps.integration.api.usage_fold import usage_fold


@shared_task(acks_late=True, autoretry_for=(OperationalError, RedisError), retry_backoff=True, max_retries=3)
def api_usage_fold_task() -> int:
    """Beat: fold the per-key request counters of Redis into the daily usage rows (idempotent: a rerun writes
    the same totals). Returns the rows created or updated."""
    result = usage_fold()
    return result.created + result.updated
