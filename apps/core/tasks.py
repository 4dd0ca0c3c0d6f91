from celery import shared_task

from apps.core.cache.warming import cache_warm
from apps.core.outbox import outbox_dispatch, outbox_message_run, outbox_purge


@shared_task(acks_late=True)
def cache_warm_task() -> dict[str, int]:
    """Warm the hot cache keys of every app (idempotent: it only reads)."""
    return cache_warm()


@shared_task(acks_late=True)
def outbox_message_run_task(message_id: int) -> bool:
    """Run one outbox message's task, once: False when it already ran (a duplicate delivery)."""
    return outbox_message_run(message_id=message_id)


@shared_task(acks_late=True)
def outbox_dispatch_task() -> int:
    """Beat: hand every due outbox message to the workers, then drop old completed ones; returns how many."""
    dispatched = outbox_dispatch()
    outbox_purge()
    return dispatched
