"""What the sampler reads: the running counters (requests, cache reads) and the momentary figures (broker
queues, the outbox's backlog, the workers' memory), each turned into sample rows.

Counters become rows of their *increase* since the previous reading (`counter_deltas`). A running total
that went down, or a hash whose epoch changed, was reset (Redis restarted, flushed or evicted it): its
increase is counted from zero, never negative. A reset followed by more growth than there was before the
next reading cannot be told from growth; the sampling interval keeps that window short.
"""

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

CACHE_READ_OUTCOMES = ("hit", "miss", "stale", "refresh")  # what the cache statistics count as a read
OUTBOX_COMPONENT = "outbox"


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
