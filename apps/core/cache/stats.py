"""Per-namespace cache statistics: counted in process, flushed to Redis every few seconds.

Counting in process keeps the hot path free of extra round trips; the flush (a pipeline of
HINCRBYs) makes the figures of every web and worker process add up in one Redis hash per namespace,
which the admin page and the metrics endpoint read.
"""

import threading
import time
from collections import defaultdict

from django.conf import settings

from apps.core.cache.store import CACHE_ERRORS, default_store

OUTCOMES = ("hit", "miss", "stale", "refresh", "waited", "error", "bypass")


class CacheStats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self._last_flush = time.monotonic()

    def record(self, namespace: str, outcome: str, seconds: float = 0.0) -> None:
        with self._lock:
            counters = self._pending[namespace]
            counters[outcome] += 1
            if seconds:
                counters["lookup_us_total"] += int(seconds * 1_000_000)
                counters["lookups"] += 1
            due = time.monotonic() - self._last_flush >= settings.CACHE_STATS_FLUSH_SECONDS
        if due and outcome not in ("error", "bypass"):
            self.flush()

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, defaultdict(lambda: defaultdict(int))
            self._last_flush = time.monotonic()
        store = default_store()
        try:
            for namespace, counters in pending.items():
                store.add_counters(f"stats:{namespace}", dict(counters))
        except CACHE_ERRORS:
            pass  # statistics are best effort; the breaker is told by real reads, not by this

    def reset(self) -> None:
        """Forget this process's unflushed counts (tests start from zero)."""
        with self._lock:
            self._pending = defaultdict(lambda: defaultdict(int))

    def pending(self) -> dict[str, dict[str, int]]:
        with self._lock:
            return {namespace: dict(counters) for namespace, counters in self._pending.items()}


stats = CacheStats()


def namespace_totals(namespace: str) -> dict[str, int]:
    """The running totals every process flushed for one namespace, by outcome, with the hash's epoch (it
    changes when the hash was lost and started again). Raises CACHE_ERRORS when Redis cannot be read."""
    return default_store().read_counters(f"stats:{namespace}")


def namespace_statistics() -> list[dict]:
    """Every namespace's totals across processes (flushed ones plus this process's pending ones)."""
    pending = stats.pending()
    rows = []
    for namespace in settings.CACHE_TTLS:
        try:
            totals = namespace_totals(namespace)
        except CACHE_ERRORS:
            totals = {}
        for field, amount in pending.get(namespace, {}).items():
            totals[field] = totals.get(field, 0) + amount
        reads = totals.get("hit", 0) + totals.get("miss", 0) + totals.get("stale", 0) + totals.get("refresh", 0)
        lookups = totals.get("lookups", 0)
        rows.append(
            {
                "namespace": namespace,
                "ttl_seconds": settings.CACHE_TTLS[namespace],
                **{outcome: totals.get(outcome, 0) for outcome in OUTCOMES},
                "hit_ratio": round(totals.get("hit", 0) / reads, 4) if reads else None,
                "mean_lookup_ms": round(totals.get("lookup_us_total", 0) / lookups / 1000, 3) if lookups else None,
            }
        )
    return rows
