"""Worker heartbeats: every Celery worker process reports its resident memory to one Redis hash.

A report is `{"rss": bytes, "at": unix time, "kind": …}` under the process's label (host:pid). The main
worker process reports on Celery's own heartbeat (the `heartbeat_sent` signal, every 2 s while its event
loop runs, so a hung worker stops reporting); each prefork child, which runs the tasks and holds most of
the memory, from a daemon thread of its own. Writes are throttled to WORKER_HEARTBEAT_SECONDS; a report
older than WORKER_HEARTBEAT_TTL_SECONDS is a process that is gone: readers leave it out and the sampler
deletes it, and the whole hash expires that long after the last report of any worker.

Best effort: a heartbeat that cannot reach Redis is skipped, the next one tries again.
"""

import contextlib
import json
import logging
import os
import threading
import time
from dataclasses import dataclass

from billiard.process import current_process
from django.conf import settings

from apps.core.cache.store import CACHE_ERRORS, default_store
from apps.core.monitoring.memory import process_label, rss_bytes

logger = logging.getLogger(__name__)

WORKERS_HASH = "telemetry:workers"


@dataclass(frozen=True)
class WorkerReport:
    process: str  # host:pid
    rss_bytes: int
    reported_at: float  # unix time
    kind: str  # main (the worker's consumer) or child (a prefork pool process)


@dataclass
class _HeartbeatState:
    pid: int
    last_at: float = float("-inf")
    thread: threading.Thread | None = None
    stop: threading.Event | None = None


_state = _HeartbeatState(pid=os.getpid())


def _process_state() -> _HeartbeatState:
    global _state
    if _state.pid != os.getpid():  # a forked child starts with no history and no thread
        _state = _HeartbeatState(pid=os.getpid())
    return _state


def worker_heartbeat(*, kind: str = "main") -> WorkerReport | None:
    """Report this process's memory now; the report written, or None when Redis could not be reached."""
    report = WorkerReport(process=process_label(), rss_bytes=rss_bytes(), reported_at=time.time(), kind=kind)
    value = json.dumps({"rss": report.rss_bytes, "at": report.reported_at, "kind": kind})
    try:
        default_store().hash_set(WORKERS_HASH, report.process, value, ttl=settings.WORKER_HEARTBEAT_TTL_SECONDS)
    except CACHE_ERRORS as error:
        logger.debug("worker heartbeat skipped: %s", type(error).__name__)
        return None
    _process_state().last_at = time.monotonic()
    return report


def worker_heartbeat_maybe(*, kind: str = "main") -> WorkerReport | None:
    """Report if WORKER_HEARTBEAT_SECONDS have passed since this process's last report."""
    if time.monotonic() - _process_state().last_at < settings.WORKER_HEARTBEAT_SECONDS:
        return None
    return worker_heartbeat(kind=kind)


def worker_reports(*, now: float | None = None, prune: bool = False) -> list[WorkerReport]:
    """The live workers' latest reports (newer than the TTL); `prune` deletes the stale ones from the hash."""
    now = time.time() if now is None else now
    try:
        raw = default_store().hash_read(WORKERS_HASH)
    except CACHE_ERRORS:
        return []
    live, stale = [], []
    for process, value in raw.items():
        try:
            data = json.loads(value)
            report = WorkerReport(
                process=process, rss_bytes=int(data["rss"]), reported_at=float(data["at"]), kind=str(data["kind"])
            )
        except (ValueError, KeyError, TypeError):
            stale.append(process)
            continue
        if now - report.reported_at > settings.WORKER_HEARTBEAT_TTL_SECONDS:
            stale.append(process)
        else:
            live.append(report)
    if prune and stale:
        with contextlib.suppress(*CACHE_ERRORS):
            default_store().hash_delete(WORKERS_HASH, stale)
    return sorted(live, key=lambda report: report.process)


def worker_heartbeat_forget() -> None:
    """Remove this process's report (it is shutting down): its memory no longer counts."""
    with contextlib.suppress(*CACHE_ERRORS):
        default_store().hash_delete(WORKERS_HASH, [process_label()])


def is_pool_child() -> bool:
    """A prefork pool process (billiard names them ForkPoolWorker-N), not the worker's main process."""
    return current_process().name != "MainProcess"


def _heartbeat_loop(stop: threading.Event) -> None:
    while True:
        worker_heartbeat(kind="child")
        if stop.wait(settings.WORKER_HEARTBEAT_SECONDS):
            return


def heartbeat_thread_start() -> None:
    """In a prefork child: report now and then every WORKER_HEARTBEAT_SECONDS until the child ends."""
    state = _process_state()
    if state.thread is not None and state.thread.is_alive():
        return
    state.stop = threading.Event()
    state.thread = threading.Thread(target=_heartbeat_loop, args=(state.stop,), name="worker-heartbeat", daemon=True)
    state.thread.start()


def heartbeat_thread_stop() -> None:
    state = _process_state()
    if state.stop is not None:
        state.stop.set()
