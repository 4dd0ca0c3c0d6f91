"""The beat sampler: increases of the running counters (not their totals), counter resets, two samplings in
one minute, cache reads, the broker's queues and the outbox, worker heartbeats, compaction and retention."""

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from celery import current_app
from django.conf import settings
from django.core.cache import cache

from apps.analytics.choices import SampleKind, SampleResolution
from apps.analytics.models import TelemetrySample
from apps.analytics.tasks import telemetry_compact_task, telemetry_sample_task
from apps.analytics.telemetry.retention import telemetry_compact, telemetry_prune
from apps.analytics.telemetry.sampler import telemetry_sample
from apps.core.cache import cache_get_or_set, namespace_statistics
from apps.core.cache.store import default_store
from apps.core.enqueue import enqueue
from apps.core.monitoring.requests import SeriesKey, request_metrics
from apps.core.monitoring.workers import WORKERS_HASH, worker_heartbeat, worker_reports
from tests.analytics.telemetry.helpers import query

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 10, 9, 30, 15, tzinfo=UTC)
DAY = T0.date()
ROUTE = "v1:bet-list"


def _requests(tenant, *statuses: int, seconds: float = 0.004) -> None:
    for status in statuses:
        request_metrics.record(SeriesKey("api", ROUTE, tenant.guild_id), status, seconds)
    request_metrics.flush()


def _request_counts() -> list[tuple[str, int, int]]:
    rows = TelemetrySample.objects.filter(kind=SampleKind.REQUESTS).order_by("bucket")
    return [(f"{row.bucket:%H:%M}", row.count, row.errors) for row in rows]


def test_each_sample_holds_the_increase_since_the_previous_one_even_across_a_counter_reset(tenant):
    _requests(tenant, 200, 200, 500)
    telemetry_sample(now=T0)
    telemetry_sample(now=T0 + timedelta(minutes=1))  # nothing new: no request row
    _requests(tenant, 200, 404)
    telemetry_sample(now=T0 + timedelta(minutes=2))
    cache.clear()  # Redis lost every total (restart, flush): the hash starts again with a new epoch
    _requests(tenant, 500)
    telemetry_sample(now=T0 + timedelta(minutes=3))
    _requests(tenant, 200)
    telemetry_sample(now=T0 + timedelta(minutes=3, seconds=30))  # a second sampling in the same minute adds up

    assert _request_counts() == [("09:30", 3, 1), ("09:32", 2, 0), ("09:33", 2, 1)]
    client_errors = TelemetrySample.objects.get(kind=SampleKind.REQUESTS, bucket__minute=32).client_errors
    assert client_errors == 1
    figures = query("api_requests,api_error_rate", start=DAY, end=DAY, tenant=tenant)
    assert figures.rows == [[7, round(2 / 7, 6)]]


def test_the_sample_task_stores_what_the_service_does(tenant):
    _requests(tenant, 200, 201)

    written = telemetry_sample_task.delay().get()

    assert TelemetrySample.objects.get(kind=SampleKind.REQUESTS).count == 2
    assert written == TelemetrySample.objects.count()


def test_the_cache_hit_ratio_comes_from_real_cache_reads():
    computed = []
    for _ in range(4):  # one miss (computed and stored), then three hits
        cache_get_or_set("leaderboard", "telemetry-test", lambda: computed.append(1) or {"rows": [1, 2]})
    telemetry_sample(now=T0)
    cache_get_or_set("game", "telemetry-test", lambda: computed.append(1) or "g")  # a miss, in the next minute
    telemetry_sample(now=T0 + timedelta(minutes=1))

    statistics = {row["namespace"]: row for row in namespace_statistics()}
    assert len(computed) == 2
    assert (statistics["leaderboard"]["hit"], statistics["leaderboard"]["miss"]) == (3, 1)
    rows = TelemetrySample.objects.filter(kind=SampleKind.CACHE).order_by("bucket")
    assert [(row.component, row.count, row.hits) for row in rows] == [("leaderboard", 4, 3), ("game", 1, 0)]
    assert query("cache_hit_ratio", start=DAY, end=DAY).rows == [[0.6]]
    by_hour = query("cache_hit_ratio", start=DAY, end=DAY, grain="hour")
    assert by_hour.column("cache_hit_ratio")[9] == 0.6 and by_hour.column("cache_hit_ratio")[10] is None


@pytest.fixture
def publishing():
    """Tasks sent are published to the broker for real (as beat sends them), not run in this process."""
    eager, current_app.conf.task_always_eager = current_app.conf.task_always_eager, False
    yield
    current_app.conf.task_always_eager = eager


def test_queue_depth_is_the_broker_queues_plus_the_outbox_backlog_at_the_last_sampling(publishing):
    for _ in range(3):
        current_app.send_task("apps.analytics.tasks.telemetry_sample_task")  # waits in the broker: no worker
    enqueue(telemetry_compact_task)
    enqueue(telemetry_compact_task)  # the test's transaction never commits: both rows wait in the outbox
    telemetry_sample(now=T0)
    with current_app.connection_for_write() as connection:
        connection.default_channel.queue_purge("analytics")  # where the sampling task is routed
    telemetry_sample(now=T0 + timedelta(hours=1))

    first = TelemetrySample.objects.filter(kind=SampleKind.QUEUE, bucket=T0.replace(second=0))
    every_queue_empty = dict.fromkeys(settings.CELERY_QUEUE_NAMES, 0)
    assert {row.component: row.value for row in first} == {**every_queue_empty, "analytics": 3, "outbox": 2}
    assert query("queue_depth", start=DAY, end=DAY).rows == [[2]]  # the end of the day: the later sampling
    by_hour = query("queue_depth", start=DAY, end=DAY, grain="hour").column("queue_depth")
    assert by_hour[8:12] == [None, 5, 2, None]


def test_worker_memory_is_the_sum_of_the_live_heartbeats_and_stale_ones_are_dropped():
    report = worker_heartbeat(kind="main")
    stale = {"rss": 123_000_000, "at": time.time() - 3600, "kind": "child"}
    default_store().hash_set(WORKERS_HASH, "gone-host:1", json.dumps(stale), ttl=60)

    telemetry_sample(now=T0)

    row = TelemetrySample.objects.get(kind=SampleKind.WORKER_MEMORY)
    assert (row.value, row.count) == (report.rss_bytes, 1)
    assert [live.process for live in worker_reports()] == [report.process]
    assert "gone-host:1" not in default_store().hash_read(WORKERS_HASH)  # pruned by the sampler
    assert query("worker_memory_mb", start=DAY, end=DAY).rows == [[round(report.rss_bytes / 1024 / 1024, 1)]]


def test_old_minutes_are_compacted_into_hours_with_the_same_answers_and_old_hours_are_pruned(tenant, settings):
    _requests(tenant, 200, 500, seconds=0.003)
    telemetry_sample(now=T0)
    _requests(tenant, 200, seconds=0.7)
    worker_heartbeat(kind="main")
    telemetry_sample(now=T0 + timedelta(minutes=20))
    _requests(tenant, 200, seconds=0.04)
    telemetry_sample(now=T0 + timedelta(hours=1))
    requests = "api_requests,api_error_rate,api_latency_p95_ms"
    before = query(requests, start=DAY, end=DAY, grain="hour", group_by="route").rows
    snapshots_before = query("worker_memory_mb,queue_depth", start=DAY, end=DAY, grain="hour").rows
    last_memory = TelemetrySample.objects.filter(kind=SampleKind.WORKER_MEMORY, bucket__hour=9).order_by("bucket")

    compacted = telemetry_compact(now=T0 + timedelta(hours=settings.TELEMETRY_MINUTE_SAMPLES_KEEP_HOURS, minutes=45))

    assert compacted == 1  # 09:00 is past the keep period, 10:00 not yet
    hour = TelemetrySample.objects.get(kind=SampleKind.REQUESTS, resolution=SampleResolution.HOUR)
    assert (hour.bucket, hour.count, hour.errors) == (T0.replace(minute=0, second=0), 3, 1)
    assert hour.latency_buckets == [2, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]
    memory = TelemetrySample.objects.get(kind=SampleKind.WORKER_MEMORY, resolution=SampleResolution.HOUR)
    assert memory.value == last_memory.last().value
    assert not TelemetrySample.objects.filter(resolution=SampleResolution.MINUTE, bucket__hour=9).exists()
    assert before[9] == [ROUTE, "2026-11-10T09:00", 3, round(1 / 3, 6), 925.0]  # 500 + 500 × (2.85 − 2) / 1
    assert query(requests, start=DAY, end=DAY, grain="hour", group_by="route").rows == before
    assert query("worker_memory_mb,queue_depth", start=DAY, end=DAY, grain="hour").rows == snapshots_before

    settings.TELEMETRY_RETENTION_DAYS = 1
    expired = TelemetrySample.objects.filter(bucket__hour=9).count()
    assert telemetry_prune(now=T0 + timedelta(days=1, minutes=45)) == expired
    assert set(TelemetrySample.objects.values_list("bucket__hour", flat=True)) == {10}
