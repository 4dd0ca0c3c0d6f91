"""Memory monitoring of web and worker processes: snapshots, levels, cleanups, leak suspects.

A process snapshots itself at most every MEMORY_SNAPSHOT_INTERVAL_SECONDS, checked cheaply after
a request (core.middleware.MemoryMonitorMiddleware) or after a task (core.receivers): one clock
read per request, a few milliseconds and two queries per snapshot. An idle process takes none,
which is fine: an idle process does not grow.

GC thresholds are left at CPython's defaults: no measurement here showed a gain from tuning them.
"""

import gc
import logging
import os
import resource
import socket
import threading
import time
import tracemalloc
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.utils import timezone

from apps.core.cache.decoded import decoded_copies
from apps.core.choices import MEMORY_LEVEL_ORDER, MemoryLevel, ProcessKind
from apps.core.models import LeakSuspect, MemorySnapshot
from apps.core.signals import memory_leak_suspected, memory_threshold_crossed

logger = logging.getLogger(__name__)

_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_MEBIBYTE = 1024 * 1024


def rss_bytes() -> int:
    """The resident set size of this process now (Linux: /proc/self/statm; elsewhere: the peak)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * _PAGE_SIZE
    except (OSError, ValueError, IndexError):
        # ru_maxrss is the peak, in KiB on Linux (bytes on macOS): the best there is without /proc.
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def memory_level(rss: int) -> MemoryLevel:
    """The highest level whose threshold (MEMORY_THRESHOLDS_MB) `rss` has reached."""
    reached = MemoryLevel.NORMAL
    for level, megabytes in settings.MEMORY_THRESHOLDS_MB.items():
        if rss >= megabytes * _MEBIBYTE and MEMORY_LEVEL_ORDER[level] > MEMORY_LEVEL_ORDER[reached]:
            reached = MemoryLevel(level)
    return reached


# ---- cleanup callbacks ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CleanupCallback:
    name: str
    function: Callable[[], object]
    level: MemoryLevel


_cleanups: dict[str, CleanupCallback] = {}


def cleanup_register(*, name: str, function: Callable[[], object], level: MemoryLevel = MemoryLevel.HIGH) -> None:
    """Run `function` after every snapshot at `level` or above (a later registration replaces one by name)."""
    _cleanups[name] = CleanupCallback(name=name, function=function, level=MemoryLevel(level))


def cleanup_unregister(*, name: str) -> None:
    _cleanups.pop(name, None)


def _local_memory_caches_clear() -> None:
    """Empty the in-process caches (the cache manager's decoded copies, the embedded configuration's
    locmem cache)."""
    decoded_copies.clear()
    for alias in settings.CACHES:
        cache = caches[alias]
        if isinstance(cache, LocMemCache):
            cache.clear()


cleanup_register(name="gc.collect", function=gc.collect, level=MemoryLevel.MEDIUM)
cleanup_register(name="clear local-memory caches", function=_local_memory_caches_clear, level=MemoryLevel.HIGH)


def _cleanups_run(level: MemoryLevel) -> list[str]:
    ran = []
    for callback in list(_cleanups.values()):
        if MEMORY_LEVEL_ORDER[level] < MEMORY_LEVEL_ORDER[callback.level]:
            continue
        try:
            callback.function()
        except Exception:  # noqa: BLE001 - one broken cleanup must not stop the others
            logger.exception("memory cleanup %s failed", callback.name)
            continue
        ran.append(callback.name)
    return ran


# ---- per-process state -------------------------------------------------------------------------


@dataclass
class _ProcessState:
    pid: int = field(default_factory=os.getpid)
    lock: threading.Lock = field(default_factory=threading.Lock)
    last_snapshot_at: float = float("-inf")
    level: MemoryLevel = MemoryLevel.NORMAL
    recent: deque = field(default_factory=deque)  # (rss_bytes, created_at) of the last snapshots
    trace: tracemalloc.Snapshot | None = None
    started_tracing: bool = False


_state = _ProcessState()


def _process_state() -> _ProcessState:
    global _state
    if _state.pid != os.getpid():  # a forked child (Celery prefork) starts its own history
        _state = _ProcessState()
    return _state


def memory_monitor_reset() -> None:
    """Forget this process's history (levels, recent snapshots, tracemalloc baseline)."""
    global _state
    if _state.started_tracing and tracemalloc.is_tracing():
        tracemalloc.stop()
    _state = _ProcessState()


def process_label() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


# ---- snapshots ---------------------------------------------------------------------------------


def memory_snapshot_due() -> bool:
    """Would `memory_maybe_snapshot` take a snapshot now? (No side effect; for code that must not write.)"""
    if not settings.MEMORY_MONITORING_ENABLED:
        return False
    return time.monotonic() - _process_state().last_snapshot_at >= settings.MEMORY_SNAPSHOT_INTERVAL_SECONDS


def memory_maybe_snapshot(*, kind: str) -> MemorySnapshot | None:
    """Snapshot this process if the interval has passed; never raises (monitoring must not break work)."""
    if not settings.MEMORY_MONITORING_ENABLED:
        return None
    state = _process_state()
    now = time.monotonic()
    if now - state.last_snapshot_at < settings.MEMORY_SNAPSHOT_INTERVAL_SECONDS:
        return None
    if not state.lock.acquire(blocking=False):
        return None  # another thread of this process is taking it
    try:
        if now - state.last_snapshot_at < settings.MEMORY_SNAPSHOT_INTERVAL_SECONDS:
            return None
        state.last_snapshot_at = now
        return memory_snapshot_record(kind=kind)
    except Exception:  # noqa: BLE001
        logger.exception("memory snapshot failed")
        return None
    finally:
        state.lock.release()


def _tracemalloc_growth(state: _ProcessState) -> list[dict] | None:
    """The allocation sites that grew most since the previous snapshot (None unless enabled)."""
    if not settings.MEMORY_TRACEMALLOC_ENABLED:
        if state.started_tracing and tracemalloc.is_tracing():
            tracemalloc.stop()
        state.trace, state.started_tracing = None, False
        return None
    if not tracemalloc.is_tracing():
        tracemalloc.start(settings.MEMORY_TRACEMALLOC_FRAMES)
        state.started_tracing = True
    current = tracemalloc.take_snapshot().filter_traces(
        [tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, "<frozen importlib._bootstrap>")]
    )
    previous, state.trace = state.trace, current
    if previous is None:
        return []  # the baseline: growth shows from the next snapshot on
    growth = []
    for stat in current.compare_to(previous, "lineno")[: settings.MEMORY_TRACEMALLOC_TOP]:
        if stat.size_diff <= 0:
            continue
        frame = stat.traceback[0]
        growth.append(
            {
                "where": f"{frame.filename}:{frame.lineno}",
                "size_diff_bytes": stat.size_diff,
                "count_diff": stat.count_diff,
                "size_bytes": stat.size,
            }
        )
    return growth


def memory_snapshot_record(*, kind: str = ProcessKind.OTHER) -> MemorySnapshot:
    """Record this process's memory; a new level alerts, its cleanups run; sustained growth is a suspect."""
    state = _process_state()
    rss = rss_bytes()
    level = memory_level(rss)
    top_growth = _tracemalloc_growth(state)
    cleanups = _cleanups_run(level) if level != MemoryLevel.NORMAL else []
    snapshot = MemorySnapshot.objects.create(
        process=process_label(),
        process_kind=kind,
        rss_bytes=rss,
        level=level,
        gc_counts=list(gc.get_count()),
        gc_collections=[generation["collections"] for generation in gc.get_stats()],
        top_growth=top_growth,
        cleanups=cleanups,
        rss_after_cleanup_bytes=rss_bytes() if cleanups else None,
    )
    previous_level, state.level = state.level, level
    if MEMORY_LEVEL_ORDER[level] > MEMORY_LEVEL_ORDER[previous_level]:
        _alert(snapshot=snapshot, previous_level=previous_level)
    state.recent.append((rss, snapshot.created_at))
    while len(state.recent) > settings.MEMORY_LEAK_SNAPSHOTS:
        state.recent.popleft()
    _leak_check(state=state, snapshot=snapshot)
    cutoff = timezone.now() - timedelta(days=settings.MEMORY_SNAPSHOT_RETENTION_DAYS)
    MemorySnapshot.objects.filter(created_at__lt=cutoff).delete()
    return snapshot


def _alert(*, snapshot: MemorySnapshot, previous_level: str) -> None:
    log = logger.error if snapshot.level == MemoryLevel.CRITICAL else logger.warning
    log(
        "memory of %s reached %s: %d MiB (was %s); cleanups run: %s",
        snapshot.process,
        snapshot.level,
        snapshot.rss_bytes // _MEBIBYTE,
        previous_level,
        ", ".join(snapshot.cleanups) or "none",
    )
    memory_threshold_crossed.send(
        sender=MemorySnapshot,
        level=snapshot.level,
        previous_level=previous_level,
        rss_bytes=snapshot.rss_bytes,
        process=snapshot.process,
        snapshot_id=snapshot.pk,
    )


def _leak_check(*, state: _ProcessState, snapshot: MemorySnapshot) -> None:
    """N snapshots in a row, each larger than the one before, and enough growth in total: a suspect."""
    window = list(state.recent)
    if len(window) < settings.MEMORY_LEAK_SNAPSHOTS or len(window) < 2:
        return
    sizes = [rss for rss, _ in window]
    if any(later <= earlier for earlier, later in zip(sizes, sizes[1:], strict=False)):
        return
    if sizes[-1] - sizes[0] < settings.MEMORY_LEAK_MIN_GROWTH_MB * _MEBIBYTE:
        return
    suspect, created = _leak_suspect_upsert(snapshot=snapshot, window=window)
    if created:
        logger.warning(
            "memory leak suspected in %s: +%d MiB over %d snapshots",
            suspect.process,
            suspect.growth_bytes // _MEBIBYTE,
            suspect.snapshot_count,
        )
        memory_leak_suspected.send(
            sender=LeakSuspect, leak_suspect_id=suspect.pk, process=suspect.process, growth_bytes=suspect.growth_bytes
        )


@transaction.atomic
def _leak_suspect_upsert(*, snapshot: MemorySnapshot, window: list) -> tuple[LeakSuspect, bool]:
    """Open a suspect for the process, or extend the one already open (the growth goes on)."""
    values = {
        "process_kind": snapshot.process_kind,
        "first_rss_bytes": window[0][0],
        "last_rss_bytes": snapshot.rss_bytes,
        "snapshot_count": len(window),
        "first_snapshot_at": window[0][1],
        "last_snapshot_at": snapshot.created_at,
        "top_growth": snapshot.top_growth,
    }
    suspect = LeakSuspect.objects.select_for_update().filter(process=snapshot.process).first()
    if suspect is None:
        return LeakSuspect.objects.create(process=snapshot.process, **values), True
    if suspect.last_snapshot_at < window[0][1]:
        # an earlier episode (or an earlier process that had this pid): this growth is a new one
        for name, value in {**values, "detected_at": timezone.now()}.items():
            setattr(suspect, name, value)
        suspect.save()
        return suspect, True
    suspect.last_rss_bytes = snapshot.rss_bytes
    suspect.snapshot_count += 1
    suspect.last_snapshot_at = snapshot.created_at
    suspect.top_growth = snapshot.top_growth
    suspect.save(update_fields=["last_rss_bytes", "snapshot_count", "last_snapshot_at", "top_growth", "updated_at"])
    return suspect, False
