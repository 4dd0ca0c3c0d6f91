"""What the sampler reads: the running counters (requests, cache reads) and the momentary figures (broker
queues, the outbox's backlog, the workers' memory), each turned into sample rows.

Counters become rows of their *increase* since the previous reading (`counter_deltas`). A running total
that went down, or a hash whose epoch changed, was reset (Redis restarted, flushed or evicted it): its
increase is counted from zero, never negative. A reset followed by more growth than there was before the
next reading cannot be told from growth; the sampling interval keeps that window short.
"""

import logging

from celery import current_app
from django.conf import settings
from kombu.exceptions import ChannelError, OperationalError
from redis.exceptions import RedisError

from apps.analytics.choices import SampleKind
from apps.analytics.models import TelemetrySample
from apps.core.cache.store import COUNTER_EPOCH_FIELD
from apps.core.monitoring.requests import (
    LATENCY_BOUNDS_MS,
    LATENCY_SUM_FIELD,
    STATUS_CLASSES,
    bucket_field,
    request_series,
)
from apps.core.monitoring.workers import WorkerReport

logger = logging.getLogger(__name__)

CACHE_READ_OUTCOMES = ("hit", "miss", "stale", "refresh")  # what the cache statistics count as a read
OUTBOX_COMPONENT = "outbox"
BROKER_ERRORS = (OperationalError, RedisError, OSError)


def counter_deltas(previous: dict[str, int], current: dict[str, int]) -> dict[str, int]:
    """Each counter's increase since `previous` (both readings of one hash, epoch included); zeros left out."""
    if previous.get(COUNTER_EPOCH_FIELD) != current.get(COUNTER_EPOCH_FIELD):
        previous = {}  # the hash was started again: everything in it is new
    deltas = {}
    for field, value in current.items():
        if field == COUNTER_EPOCH_FIELD:
            continue
        before = previous.get(field, 0)
        increase = value - before if value >= before else value
        if increase:
            deltas[field] = increase
    return deltas


def request_rows(deltas: dict[str, int]) -> list[TelemetrySample]:
    """One requests row per surface, route and tenant that answered in the period."""
    rows = []
    for key, counters in request_series(deltas).items():
        count = sum(counters.get(status_class, 0) for status_class in STATUS_CLASSES)
        if not count:
            continue
        rows.append(
            TelemetrySample(
                kind=SampleKind.REQUESTS,
                surface=key.surface,
                route=key.route[:200],
                tenant=key.tenant[:20],
                count=count,
                client_errors=counters.get("c4xx", 0),
                errors=counters.get("c5xx", 0),
                latency_ms_sum=counters.get(LATENCY_SUM_FIELD, 0) / 1000,
                latency_buckets=[counters.get(bucket_field(index), 0) for index in range(len(LATENCY_BOUNDS_MS) + 1)],
            )
        )
    return rows


def cache_row(namespace: str, deltas: dict[str, int]) -> TelemetrySample | None:
    reads = sum(deltas.get(outcome, 0) for outcome in CACHE_READ_OUTCOMES)
    if not reads:
        return None
    return TelemetrySample(kind=SampleKind.CACHE, component=namespace, count=reads, hits=deltas.get("hit", 0))


def queues_in_use() -> list[str]:
    """The broker queues tasks go to: the Celery app's configured ones, the incident steps' queue, extras."""
    names = {current_app.conf.task_default_queue, *current_app.amqp.queues.keys()}
    if settings.INCIDENTS_STEP_QUEUE:
        names.add(settings.INCIDENTS_STEP_QUEUE)
    names.update(settings.TELEMETRY_EXTRA_QUEUES)
    return sorted(name for name in names if name)


def broker_queue_depths() -> dict[str, int] | None:
    """Messages waiting in each queue now (a Redis list per queue and priority: LLEN); None when the broker
    cannot be reached (the outbox then holds the backlog: nothing can be published either)."""
    try:
        with current_app.connection_for_read() as connection:
            channel = connection.default_channel
            depths = {}
            for name in queues_in_use():
                try:
                    depths[name] = channel.queue_declare(queue=name, passive=True).message_count
                except ChannelError:
                    depths[name] = 0  # no such queue yet: nothing was ever left waiting in it
            return depths
    except BROKER_ERRORS as error:
        logger.warning("telemetry: broker queues not read (%s)", type(error).__name__)
        return None


def queue_rows(depths: dict[str, int] | None, outbox_backlog: int) -> list[TelemetrySample]:
    rows = [TelemetrySample(kind=SampleKind.QUEUE, component=OUTBOX_COMPONENT, value=outbox_backlog)]
    for name, depth in (depths or {}).items():
        rows.append(TelemetrySample(kind=SampleKind.QUEUE, component=name[:200], value=depth))
    return rows


def worker_memory_row(reports: list[WorkerReport]) -> TelemetrySample:
    """All live worker processes' resident memory (0 processes: no worker is running)."""
    return TelemetrySample(
        kind=SampleKind.WORKER_MEMORY, value=sum(report.rss_bytes for report in reports), count=len(reports)
    )
