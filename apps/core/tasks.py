from celery import shared_task

from apps.core.cache.warming import cache_warm


@shared_task(acks_late=True)
def cache_warm_task() -> dict[str, int]:
    """Warm the hot cache keys of every app (idempotent: it only reads)."""
    return cache_warm()
