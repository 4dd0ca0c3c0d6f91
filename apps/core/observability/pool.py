"""Database pool use of every process: each one writes a snapshot of its psycopg pool's statistics to a
Redis hash when it flushes its counters (counters.py), and the metrics endpoint reads them all.

A process that stopped writing (gone, or idle past OBSERVABILITY_POOL_SNAPSHOT_TTL_SECONDS) is left out:
an idle process holds at most its pool's minimum of idle connections.
"""

import json
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connections

from apps.core.cache.store import CACHE_ERRORS, default_store
from apps.core.monitoring.memory import process_label

logger = logging.getLogger(__name__)

POOL_HASH = "telemetry:db_pools"
_process_kind = {"kind": "web"}


def pool_process_kind_set(kind: str) -> None:
    """Name what this process is (web, worker) in its snapshots."""
    _process_kind["kind"] = kind


@dataclass(frozen=True)
class PoolSnapshot:
    process: str  # host:pid
    kind: str
    size: int  # connections open
    available: int  # open and idle
    maximum: int
    waiting: int  # requests waiting for a connection now
    requests: int  # connections handed out since the pool started
    wait_ms: int  # time spent waiting for one, in total
    reported_at: float


def _stats() -> dict | None:
    wrapper = connections["default"]
    if wrapper.vendor != "postgresql" or not wrapper.settings_dict.get("OPTIONS", {}).get("pool"):
        return None
    pool = wrapper.pool  # Django's per-alias pool (created with the process's first connection)
    return pool.get_stats() if pool is not None else None


def pool_snapshot_write() -> None:
    """Write this process's pool statistics (best effort: Redis down or no pool, nothing is written)."""
    try:
        stats = _stats()
    except Exception as error:  # noqa: BLE001 - statistics must never break the request that flushes them
        logger.debug("pool statistics not read: %s", type(error).__name__)
        return
    if stats is None:
        return
    value = {
        "kind": _process_kind["kind"],
        "size": stats.get("pool_size", 0),
        "available": stats.get("pool_available", 0),
        "maximum": stats.get("pool_max", 0),
        "waiting": stats.get("requests_waiting", 0),
        "requests": stats.get("requests_num", 0),
        "wait_ms": stats.get("requests_wait_ms", 0),
        "at": time.time(),
    }
    try:
        default_store().hash_set(
            POOL_HASH, process_label(), json.dumps(value), ttl=settings.OBSERVABILITY_POOL_SNAPSHOT_TTL_SECONDS
        )
    except CACHE_ERRORS as error:
        logger.debug("pool snapshot skipped: %s", type(error).__name__)


def pool_snapshots(*, now: float | None = None) -> list[PoolSnapshot]:
    """The live processes' latest snapshots. Raises CACHE_ERRORS."""
    now = time.time() if now is None else now
    snapshots = []
    for process, raw in default_store().hash_read(POOL_HASH).items():
        value = json.loads(raw)
        if now - value["at"] > settings.OBSERVABILITY_POOL_SNAPSHOT_TTL_SECONDS:
            continue
        snapshots.append(
            PoolSnapshot(
                process=process,
                kind=value["kind"],
                size=value["size"],
                available=value["available"],
                maximum=value["maximum"],
                waiting=value["waiting"],
                requests=value["requests"],
                wait_ms=value["wait_ms"],
                reported_at=value["at"],
            )
        )
    return sorted(snapshots, key=lambda snapshot: snapshot.process)
