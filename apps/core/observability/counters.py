"""Counters of every process, added up in Redis: HTTP latency by route and status, Celery task runs.

Why Redis and not prometheus_client's multiprocess mode: the metrics endpoint is served by any one web
instance, while the counts come from every web and worker process, on other machines or pods too (queues
per domain run on workers of their own). A directory of mmap files (PROMETHEUS_MULTIPROC_DIR) is only
shared by processes of one machine, so a scrape would see a fraction. The request counters already live
in Redis (apps/core/monitoring/requests.py); these follow the same pattern: each process counts in memory
(a lock and a few dictionary updates, no round trip) and adds its counts to one Redis hash per family
every OBSERVABILITY_FLUSH_SECONDS, together with a snapshot of its database pool (pool.py). Counts that
cannot be flushed (Redis down) stay pending for the next flush. prometheus_client renders the totals
(collectors.py).
"""

import threading
import time
from bisect import bisect_left
from collections import defaultdict

from django.conf import settings

from apps.core.cache.breaker import OPEN
from apps.core.cache.manager import breaker
from apps.core.cache.store import CACHE_ERRORS, COUNTER_EPOCH_FIELD, default_store

SEPARATOR = "|"
SUM_FIELD = "us"  # sum of the durations, microseconds


def bucket_field(index: int) -> str:
    return f"le{index}"


class HistogramCounters:
    """Per-label-tuple counts with a fixed-bucket duration histogram, flushed to one Redis hash.

    Hash fields: `<label>|<label>|…|<counter>`; counters are `le<i>` (observations in bucket i, the last
    one +Inf), `us` (duration sum) and named counts. Only a route pattern (re_path) may hold the separator:
    the reader of the HTTP family rejoins it (collectors.py).
    """

    def __init__(self, hash_name: str, bounds_seconds: tuple[float, ...]) -> None:
        self.hash_name = hash_name
        self.bounds = bounds_seconds
        self._lock = threading.Lock()
        self._pending: dict[str, int] = defaultdict(int)
        self._last_flush = time.monotonic()
        self.on_flush: list = []  # callables run after each flush attempt (the pool snapshot)

    def observe(self, labels: tuple[str, ...], seconds: float, *counts: str) -> None:
        """One observation of `seconds` under `labels`, plus one for each named count."""
        prefix = SEPARATOR.join(labels) + SEPARATOR
        bucket = bisect_left(self.bounds, seconds)
        with self._lock:
            self._pending[prefix + bucket_field(bucket)] += 1
            self._pending[prefix + SUM_FIELD] += int(seconds * 1_000_000)
            for count in counts:
                self._pending[prefix + count] += 1
            due = time.monotonic() - self._last_flush >= settings.OBSERVABILITY_FLUSH_SECONDS
        if due:
            self.flush()

    def count(self, labels: tuple[str, ...], name: str) -> None:
        """One more of a named count under `labels` (no duration)."""
        with self._lock:
            self._pending[SEPARATOR.join(labels) + SEPARATOR + name] += 1

    def flush(self) -> None:
        """Add the pending counts to Redis; with Redis down they stay pending."""
        with self._lock:
            pending, self._pending = self._pending, defaultdict(int)
            self._last_flush = time.monotonic()
        if pending and not self._write(pending):
            with self._lock:
                for name, amount in pending.items():
                    self._pending[name] += amount
        for callback in self.on_flush:
            callback()

    def _write(self, pending: dict[str, int]) -> bool:
        if breaker.state == OPEN:
            return False
        try:
            default_store().add_counters(self.hash_name, dict(pending))
        except CACHE_ERRORS:
            return False
        return True

    def reset(self) -> None:
        with self._lock:
            self._pending = defaultdict(int)

    def totals(self) -> dict[tuple[tuple[str, ...], str], int]:
        """All processes' flushed totals: {(labels, counter): amount}. Raises CACHE_ERRORS."""
        totals = {}
        for name, amount in default_store().read_counters(self.hash_name).items():
            if name == COUNTER_EPOCH_FIELD:
                continue
            *labels, counter = name.split(SEPARATOR)
            totals[(tuple(labels), counter)] = amount
        return totals


# Prometheus' default buckets (seconds): the same bounds as the request histogram of requests.py.
HTTP_BOUNDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Tasks run from milliseconds (a relay) to minutes (a report).
TASK_BOUNDS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)

# labels (surface, route, status code)
http_responses = HistogramCounters("telemetry:http_responses", HTTP_BOUNDS)
# labels (task name, final state); counts "failure:<exception class>" under (task name,) via `count`
celery_tasks = HistogramCounters("telemetry:celery_tasks", TASK_BOUNDS)


def flush_all() -> None:
    """Flush every family now (a worker process shutting down, tests)."""
    http_responses.flush()
    celery_tasks.flush()


def _with_pool_snapshots() -> None:
    from apps.core.observability.pool import pool_snapshot_write  # noqa: PLC0415 - pool.py needs django.db

    for family in (http_responses, celery_tasks):
        family.on_flush.append(pool_snapshot_write)


_with_pool_snapshots()
