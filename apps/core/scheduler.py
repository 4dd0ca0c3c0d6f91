"""The embedded scheduler: beat's schedule run inside the web process when no worker and no beat run.

In the full configuration Celery beat reads the PeriodicTask rows (apps/core/beat.py) and workers run the
jobs. The embedded configuration (`make run`: SQLite, in-memory channel layer, eager tasks) has neither, so
nothing periodic would ever happen: no compliance check would run, no forecast refresh, no fraud scan, no
escalation sweep. Here the same rows are read by an asyncio task in the server's own event loop (started by
the ASGI lifespan, dbsbm/asgi.py); each due job runs eagerly in a worker thread through `sync_to_async`.

Why in the server process: the in-memory channel layer exists only in this process, so a change made by a
job here reaches the open portal pages; a beat-like process beside the server could not tell them. A job's
`broadcast()` (async_to_sync from a sync_to_async thread) is scheduled on the server's loop, where the
layer's queues live. Jobs run one at a time (SQLite has one writer); a job that raises is logged and
counted as run (so a broken job does not run in a hot loop) and the next one goes on.

Due is beat's rule on the stored rows: an interval job is due when it never ran or its interval has passed
since `last_run_at`; a crontab job when its next fire time after `last_run_at` (or after the scheduler's
start, for one that never ran) has passed. `last_run_at` and `total_run_count` are written back as beat does,
so a restart does not rerun everything and the admin's periodic-task list shows what ran.
"""

import asyncio
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from asgiref.sync import sync_to_async
from croniter import croniter
from django.conf import settings
from django.db import close_old_connections
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string
from django_celery_beat.models import PeriodicTask

from apps.core.warmup import warm_up_start

logger = logging.getLogger(__name__)


@dataclass
class SchedulerState:
    """What the live indicator and /readyz-like checks may read: is a scheduler running in this process."""

    running: bool = False
    started_at: datetime | None = None
    last_tick_at: datetime | None = None
    runs: int = 0
    failures: int = 0
    last_job: str = ""
    ran: list[str] = field(default_factory=list)  # names of the jobs run by the last pass (tests read it)


state = SchedulerState()


def embedded_scheduler_enabled() -> bool:
    return bool(settings.EMBEDDED_SCHEDULER_ENABLED)


def _interval_seconds(job: PeriodicTask) -> float:
    seconds = job.interval.schedule.run_every.total_seconds()
    return max(seconds, float(settings.EMBEDDED_SCHEDULER_MIN_INTERVAL_SECONDS))


def job_next_run(job: PeriodicTask, *, started_at: datetime) -> datetime | None:
    """When `job` is next due (None: never: a schedule kind this scheduler does not run, or a spent one-off)."""
    if job.one_off and job.total_run_count:
        return None
    if job.interval_id is not None:
        if job.last_run_at is None:
            return job.start_time or started_at
        return job.last_run_at + timedelta(seconds=_interval_seconds(job))
    if job.crontab_id is not None:
        c = job.crontab
        cron = f"{c.minute} {c.hour} {c.day_of_month} {c.month_of_year} {c.day_of_week}"
        base = max(job.last_run_at or started_at, job.start_time or started_at)
        return croniter(cron, base).get_next(datetime)
    return None


def due_jobs(*, now: datetime, started_at: datetime) -> list[PeriodicTask]:
    """The enabled jobs due at `now`, most overdue first."""
    jobs = PeriodicTask.objects.filter(enabled=True).select_related("interval", "crontab")
    due = []
    for job in jobs:
        if job.expires is not None and job.expires <= now:
            continue
        next_run = job_next_run(job, started_at=started_at)
        if next_run is not None and next_run <= now:
            due.append((next_run, job))
    return [job for _, job in sorted(due, key=lambda pair: pair[0])]


def job_run(job: PeriodicTask) -> bool:
    """Run one job eagerly here and record it as beat does; False when the job raised (logged)."""
    started = time.monotonic()
    ok = True
    try:
        task = import_string(job.task)
        args = json.loads(job.args or "[]")
        kwargs = json.loads(job.kwargs or "{}")
        task.apply(args=args, kwargs=kwargs, throw=True)
    except Exception:  # noqa: BLE001 - one broken job must not stop the others
        ok = False
        logger.exception("embedded scheduler: job %r (%s) failed", job.name, job.task)
    finally:
        updates = {"last_run_at": timezone.now(), "total_run_count": F("total_run_count") + 1}
        if job.one_off:
            updates["enabled"] = False
        # .update(): PeriodicTask.save() would bump beat's change marker on every run
        PeriodicTask.objects.filter(pk=job.pk).update(**updates)
    state.runs += 1
    state.failures += 0 if ok else 1
    state.last_job = job.name
    logger.info("embedded scheduler: %s in %.2f s%s", job.name, time.monotonic() - started, "" if ok else " (failed)")
    return ok


def run_due(*, now: datetime | None = None, started_at: datetime | None = None) -> list[str]:
    """One pass: run every job due now, one after the other; the names run."""
    now = now or timezone.now()
    started_at = started_at or state.started_at or now
    ran = []
    for job in due_jobs(now=now, started_at=started_at):
        job_run(job)
        ran.append(job.name)
    state.last_tick_at = now
    state.ran = ran
    return ran


def _pass() -> list[str]:
    """A pass in the scheduler's thread, with fresh database connections as a request gets."""
    close_old_connections()
    try:
        return run_due()
    finally:
        close_old_connections()


class EmbeddedScheduler:
    """The loop: a pass every EMBEDDED_SCHEDULER_TICK_SECONDS until `stop()`; a pass in progress finishes."""

    def __init__(self, *, tick_seconds: float | None = None) -> None:
        self.tick_seconds = tick_seconds if tick_seconds is not None else settings.EMBEDDED_SCHEDULER_TICK_SECONDS
        self._stop = asyncio.Event()
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        state.running, state.started_at = True, timezone.now()
        self._task = asyncio.get_running_loop().create_task(self._serve(), name="embedded-scheduler")
        logger.info("embedded scheduler: started (a pass every %s s)", self.tick_seconds)

    async def _serve(self) -> None:
        # the first pass waits one tick: the server answers its first requests before any job runs
        while not self._stop.is_set():
            try:
                await asyncio.wait_for(self._stop.wait(), timeout=self.tick_seconds)
                break
            except TimeoutError:
                pass
            try:
                # a thread of its own (not the requests' thread): a long job does not hold up the pages
                await sync_to_async(_pass, thread_sensitive=False)()
            except Exception:  # noqa: BLE001 - e.g. the database briefly locked: the next tick tries again
                logger.exception("embedded scheduler: pass failed")

    async def stop(self, *, timeout: float = 30) -> bool:
        """Ask the loop to stop and wait for it (a running job finishes); True when it stopped in time."""
        self._stop.set()
        stopped = True
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), timeout=timeout)
            except TimeoutError:
                stopped = False
                logger.warning("embedded scheduler: a job still runs after %s s; leaving it", timeout)
        state.running = False
        logger.info("embedded scheduler: stopped")
        return stopped


def lifespan_application(get_scheduler=EmbeddedScheduler):
    """The ASGI `lifespan` handler: start the registered warm-ups (apps/core/warmup.py) and the scheduler
    (embedded configuration only) at startup, stop the scheduler at shutdown. Everything else about the server is
    unchanged."""

    async def lifespan(scope, receive, send) -> None:
        scheduler = None
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    warm_up_start("web")  # e.g. the parser's language models, in a thread (apps/core/warmup.py)
                    if embedded_scheduler_enabled():
                        scheduler = get_scheduler()
                        scheduler.start()
                except Exception as error:  # noqa: BLE001 - reported to the server, which refuses to start
                    await send({"type": "lifespan.startup.failed", "message": str(error)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if scheduler is not None:
                    await scheduler.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return

    return lifespan
