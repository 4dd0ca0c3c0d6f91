"""Core's receivers: the beat schedule sync after migrate, query and memory monitoring of tasks, and the
worker heartbeats that report each worker process's memory (apps/core/monitoring/workers.py)."""

from celery.signals import (
    heartbeat_sent,
    task_postrun,
    task_prerun,
    worker_process_init,
    worker_process_shutdown,
    worker_shutdown,
)
from django.apps import apps
from django.conf import settings
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from apps.core.beat import schedules_sync
from apps.core.choices import ProcessKind
from apps.core.monitoring.memory import memory_maybe_snapshot
from apps.core.monitoring.queries import QueryMonitor, query_monitor_active, slow_queries_flush
from apps.core.monitoring.workers import (
    heartbeat_thread_start,
    heartbeat_thread_stop,
    is_pool_child,
    worker_heartbeat_forget,
    worker_heartbeat_maybe,
)
from apps.core.warmup import warm_up_start


@receiver(post_migrate, dispatch_uid="core.schedules_sync")
def sync_schedules_after_migrate(sender, app_config=None, **kwargs) -> None:
    if app_config is None or app_config is not list(apps.get_app_configs())[-1]:
        return
    schedules_sync()


# The task's monitor by task id, from prerun to postrun (a worker thread runs one task at a time).
_task_monitors: dict[str, QueryMonitor] = {}


@task_prerun.connect(dispatch_uid="core.query_monitor_start")
def query_monitor_start(task_id=None, task=None, **kwargs) -> None:
    # An eager task inside a request is already counted by the request's monitor.
    if not settings.QUERY_MONITORING_ENABLED or query_monitor_active() or task_id is None:
        return
    monitor = QueryMonitor()
    monitor.__enter__()
    _task_monitors[task_id] = monitor


@task_postrun.connect(dispatch_uid="core.query_monitor_finish")
def query_monitor_finish(task_id=None, task=None, **kwargs) -> None:
    monitor = _task_monitors.pop(task_id, None)
    if monitor is not None:
        monitor.__exit__(None, None, None)
        slow_queries_flush(recorder=monitor.recorder, source=f"task {getattr(task, 'name', '?')}")
    request = getattr(task, "request", None)
    if request is not None and not request.is_eager:  # an eager task ran in a web process
        memory_maybe_snapshot(kind=ProcessKind.WORKER)


@heartbeat_sent.connect(dispatch_uid="core.worker_heartbeat")
def worker_heartbeat_on_celery_heartbeat(**kwargs) -> None:
    # the main process, on Celery's event heartbeat (every 2 s); written every WORKER_HEARTBEAT_SECONDS
    worker_heartbeat_maybe(kind="main")


@worker_process_init.connect(dispatch_uid="core.worker_heartbeat_thread_start")
def worker_heartbeat_thread_started(**kwargs) -> None:
    # the solo pool sends this in the main process too, which Celery's heartbeat already covers
    if is_pool_child():
        heartbeat_thread_start()


@worker_process_init.connect(dispatch_uid="core.warm_up_worker")
def worker_warm_up_started(**kwargs) -> None:
    # each prefork child (and the solo pool's main process): the warm-ups registered with worker=True
    warm_up_start("worker")


@worker_process_shutdown.connect(dispatch_uid="core.worker_heartbeat_thread_stop")
def worker_heartbeat_thread_stopped(**kwargs) -> None:
    heartbeat_thread_stop()
    worker_heartbeat_forget()


@worker_shutdown.connect(dispatch_uid="core.worker_heartbeat_forget")
def worker_heartbeat_forgotten(**kwargs) -> None:
    worker_heartbeat_forget()
