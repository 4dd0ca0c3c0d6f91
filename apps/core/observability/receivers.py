"""Observability in Celery processes: tracing set up per worker process and in beat, the trace context of
each task for its log lines, and the task counters (duration by final state, failures by exception)."""

import time

from celery.signals import (
    beat_init,
    task_failure,
    task_postrun,
    task_prerun,
    worker_process_init,
    worker_process_shutdown,
)

from apps.core.observability.context import fallback_begin, fallback_end
from apps.core.observability.counters import celery_tasks, flush_all
from apps.core.observability.pool import pool_process_kind_set
from apps.core.observability.tracing import tracing_flush, tracing_setup

FAILURE_COUNT = "failure"

# (start, trace context token) by task id, from prerun to postrun
_running: dict[str, tuple[float, object]] = {}


@worker_process_init.connect(dispatch_uid="observability.worker_process_init")
def worker_process_observed(**kwargs) -> None:
    # each prefork child (and the solo pool's main process): a BatchSpanProcessor's thread is per process
    pool_process_kind_set("worker")
    tracing_setup(process_kind="worker")


@beat_init.connect(dispatch_uid="observability.beat_init")
def beat_observed(**kwargs) -> None:
    pool_process_kind_set("beat")
    tracing_setup(process_kind="beat")


@worker_process_shutdown.connect(dispatch_uid="observability.worker_process_shutdown")
def worker_process_flushed(**kwargs) -> None:
    flush_all()
    tracing_flush()


@task_prerun.connect(dispatch_uid="observability.task_started")
def task_started(task_id=None, task=None, **kwargs) -> None:
    if task_id is None:
        return
    traceparent = getattr(getattr(task, "request", None), "traceparent", None)
    _running[task_id] = (time.perf_counter(), fallback_begin(traceparent))


@task_postrun.connect(dispatch_uid="observability.task_finished")
def task_finished(task_id=None, task=None, state=None, **kwargs) -> None:
    started = _running.pop(task_id, None)
    if started is None or task is None:
        return
    fallback_end(started[1])
    celery_tasks.observe((task.name, str(state or "UNKNOWN")), time.perf_counter() - started[0])


@task_failure.connect(dispatch_uid="observability.task_failed")
def task_failed(sender=None, exception=None, **kwargs) -> None:
    if sender is not None:
        celery_tasks.count((sender.name, type(exception).__name__), FAILURE_COUNT)
