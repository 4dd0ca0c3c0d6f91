"""The embedded scheduler (apps/core/scheduler.py) on the real test database: it runs the beat rows that are due,
records them as beat does, skips what is not due or disabled, survives a broken job, delivers what a job
broadcasts through an in-memory channel layer to a consumer of the same process, and stops cleanly."""

import asyncio
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from asgiref.testing import ApplicationCommunicator
from channels.layers import channel_layers, get_channel_layer
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from apps.compliance.checks.registry import checks_for
from apps.compliance.models import CheckRun, CheckSetting, ScoreSnapshot
from apps.core import scheduler
from apps.core.broadcast import live_hello, live_reach
from apps.core.scheduler import EmbeddedScheduler, job_next_run, lifespan_application, run_due
from apps.portal.realtime import dashboard_group

SNAPSHOTS = "apps.compliance.tasks.score_snapshots_task"
CHECKS = "apps.compliance.tasks.checks_dispatch_task"
CHEAP_CHECK = "privacy.requests_overdue"


def _job(name: str, task: str, every: int, **fields) -> PeriodicTask:
    interval, _ = IntervalSchedule.objects.get_or_create(every=every, period=IntervalSchedule.SECONDS)
    return PeriodicTask.objects.create(name=name, task=task, interval=interval, **fields)


@pytest.fixture
def only_our_jobs(db):
    """The rows migrate synced are disabled: each test schedules exactly what it checks."""
    PeriodicTask.objects.update(enabled=False)


def _only_the_cheap_check_enabled() -> None:
    for check in checks_for():
        CheckSetting.objects.update_or_create(check_id=check.id, defaults={"is_enabled": check.id == CHEAP_CHECK})


@pytest.mark.django_db
def test_a_due_job_runs_eagerly_and_is_recorded_as_beat_records_it(only_our_jobs):
    job = _job("demo: snapshots", SNAPSHOTS, 3600)

    ran = run_due()

    assert ran == ["demo: snapshots"]
    assert ScoreSnapshot.objects.exists()  # the task itself ran, here
    job.refresh_from_db()
    assert job.total_run_count == 1 and job.last_run_at is not None
    assert run_due() == []  # not due again before its interval has passed
    later = timezone.now() + timedelta(seconds=3601)
    assert run_due(now=later) == ["demo: snapshots"]


@pytest.mark.django_db
def test_disabled_expired_and_spent_one_off_jobs_do_not_run(only_our_jobs):
    _job("demo: off", SNAPSHOTS, 60, enabled=False)
    _job("demo: expired", SNAPSHOTS, 60, expires=timezone.now() - timedelta(minutes=1))
    spent = _job("demo: one-off", SNAPSHOTS, 60, one_off=True)

    assert run_due() == ["demo: one-off"]
    spent.refresh_from_db()
    assert not spent.enabled and spent.total_run_count == 1
    assert run_due(now=timezone.now() + timedelta(hours=1)) == []


@pytest.mark.django_db
def test_a_broken_job_is_logged_counted_and_the_others_still_run(only_our_jobs, caplog):
    broken = _job("demo: broken", "apps.core.tasks.no_such_task", 60)
    _job("demo: snapshots", SNAPSHOTS, 60)
    failures = scheduler.state.failures

    ran = run_due()

    assert sorted(ran) == ["demo: broken", "demo: snapshots"]
    assert scheduler.state.failures == failures + 1
    assert "demo: broken" in caplog.text
    broken.refresh_from_db()
    assert broken.last_run_at is not None  # not retried in a hot loop
    assert ScoreSnapshot.objects.exists()


@pytest.mark.django_db
def test_short_intervals_are_floored_and_a_crontab_fires_after_its_next_time(only_our_jobs, settings):
    settings.EMBEDDED_SCHEDULER_MIN_INTERVAL_SECONDS = 10
    now = timezone.now()
    fast = _job("demo: every 3 s", SNAPSHOTS, 3, last_run_at=now)
    assert job_next_run(fast, started_at=now) == now + timedelta(seconds=10)
    crontab, _ = CrontabSchedule.objects.get_or_create(minute="0", hour="6", timezone="UTC")
    weekly = PeriodicTask.objects.create(name="demo: cron", task=SNAPSHOTS, crontab=crontab, last_run_at=now)
    next_run = job_next_run(weekly, started_at=now)
    assert next_run > now and (next_run.hour, next_run.minute) == (6, 0)


@pytest.fixture
def in_memory_layer(settings):
    """The embedded configuration's channel layer, for this test."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_scheduled_check_run_reaches_an_open_dashboard_of_this_process_and_the_loop_stops(
    only_our_jobs, in_memory_layer
):
    await sync_to_async(_only_the_cheap_check_enabled)()
    await sync_to_async(_job)("demo: run due checks", CHECKS, 60)
    layer = get_channel_layer()
    assert live_reach() == "process"
    channel = await layer.new_channel()
    await layer.group_add(dashboard_group(), channel)

    loop = EmbeddedScheduler(tick_seconds=0.05)
    loop.start()
    assert live_hello() == {"type": "hello", "reach": "process", "scheduler": "in-process"}
    try:
        message = await asyncio.wait_for(layer.receive(channel), timeout=60)
    finally:
        stopped = await loop.stop(timeout=60)

    assert message["type"] == "dashboard.changed" and message["reason"] == "check_run"
    assert await sync_to_async(CheckRun.objects.filter(check_id=CHEAP_CHECK).exists)()
    assert stopped and not scheduler.state.running
    assert live_hello()["scheduler"] == "separate"


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_the_lifespan_starts_the_scheduler_in_the_embedded_configuration_only(only_our_jobs, settings):
    await sync_to_async(_job)("demo: snapshots", SNAPSHOTS, 3600)
    settings.EMBEDDED_SCHEDULER_TICK_SECONDS = 0.05

    settings.EMBEDDED_SCHEDULER_ENABLED = False  # the full configuration: beat runs the jobs
    off = ApplicationCommunicator(lifespan_application(), {"type": "lifespan"})
    await off.send_input({"type": "lifespan.startup"})
    assert await off.receive_output(timeout=5) == {"type": "lifespan.startup.complete"}
    assert not scheduler.state.running
    await off.send_input({"type": "lifespan.shutdown"})
    assert await off.receive_output(timeout=5) == {"type": "lifespan.shutdown.complete"}

    settings.EMBEDDED_SCHEDULER_ENABLED = True
    on = ApplicationCommunicator(lifespan_application(), {"type": "lifespan"})
    await on.send_input({"type": "lifespan.startup"})
    assert await on.receive_output(timeout=5) == {"type": "lifespan.startup.complete"}
    assert scheduler.state.running
    for _ in range(600):
        if await sync_to_async(ScoreSnapshot.objects.exists)():
            break
        await asyncio.sleep(0.05)
    await on.send_input({"type": "lifespan.shutdown"})
    assert await on.receive_output(timeout=60) == {"type": "lifespan.shutdown.complete"}

    assert await sync_to_async(ScoreSnapshot.objects.exists)()
    assert not scheduler.state.running
    job = await sync_to_async(PeriodicTask.objects.get)(name="demo: snapshots")
    assert job.total_run_count == 1


def test_the_redis_layer_of_the_full_configuration_reaches_other_processes():
    assert live_reach() == "cluster"
    assert live_hello() == {"type": "hello", "reach": "cluster", "scheduler": "separate"}
