"""The beat sampler: once a minute, the increase of the running counters and the momentary figures become
TelemetrySample rows of the current minute.

The counters' previous reading lives in a TelemetryCursor row locked for the whole sampling, so two
samplers (a slow run overtaken by the next) never store the same increase twice, and the rows and the
new reading commit together. The counters are read after the lock is taken; the broker, the outbox and
the heartbeats before it (a slow broker does not hold the lock).

Not audited: these rows are measurements the platform takes of itself every minute, not a change anyone
made (as the memory snapshots and slow-query records of apps/core/monitoring are not).
"""

import logging
import time
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.analytics.choices import SampleResolution
from apps.analytics.models import TelemetryCursor, TelemetrySample
from apps.analytics.telemetry.readings import (
    cache_row,
    counter_deltas,
    queue_rows,
    request_rows,
    worker_memory_row,
)
from apps.analytics.telemetry.rows import merge_into_stored
from apps.core.cache.stats import namespace_totals
from apps.core.cache.stats import stats as cache_stats
from apps.core.cache.store import CACHE_ERRORS
from apps.core.monitoring.requests import request_metrics, request_totals
from apps.core.monitoring.workers import worker_reports
from apps.core.observability.queues import broker_queue_depths
from apps.core.outbox import outbox_backlog_count

logger = logging.getLogger(__name__)

CURSOR_NAME = "counters"
REQUESTS_READING = "requests"
CACHE_READING = "cache:{namespace}"


def telemetry_sample(*, now: datetime | None = None) -> int:
    """Store this minute's samples (requests, cache reads, queues, worker memory); returns the rows written."""
    now = now or timezone.now()
    minute = now.replace(second=0, microsecond=0)
    # this process's own unflushed counts first (a worker's cache reads; the test process's requests)
    request_metrics.flush()
    cache_stats.flush()
    snapshots = [
        *queue_rows(broker_queue_depths(), outbox_backlog_count()),  # both read now, whatever `now` names
        worker_memory_row(worker_reports(now=time.time(), prune=True)),
    ]
    with transaction.atomic():
        cursor, _ = TelemetryCursor.objects.select_for_update().get_or_create(name=CURSOR_NAME)
        readings = dict(cursor.readings)
        counted = _counted_rows(readings)
        written = merge_into_stored(counted, resolution=SampleResolution.MINUTE, bucket=minute)
        written += _snapshots_store(snapshots, minute)
        cursor.readings, cursor.read_at = readings, now
        cursor.save(update_fields=["readings", "read_at"])
    return written


def _counted_rows(readings: dict) -> list[TelemetrySample]:
    """Rows of the counters' increase since `readings`, which is updated to the new reading. A counter hash
    that cannot be read keeps its previous reading: its increase is stored by the next sampling."""
    rows = []
    try:
        totals = request_totals()
    except CACHE_ERRORS as error:
        logger.warning("telemetry: request counters not read (%s)", type(error).__name__)
    else:
        rows += request_rows(counter_deltas(readings.get(REQUESTS_READING, {}), totals))
        readings[REQUESTS_READING] = totals
    for namespace in settings.CACHE_TTLS:
        name = CACHE_READING.format(namespace=namespace)
        try:
            totals = namespace_totals(namespace)
        except CACHE_ERRORS:
            continue
        row = cache_row(namespace, counter_deltas(readings.get(name, {}), totals))
        if row is not None:
            rows.append(row)
        readings[name] = totals
    return rows


def _snapshots_store(rows: list[TelemetrySample], minute: datetime) -> int:
    """Momentary figures replace those of an earlier sampling in the same minute."""
    TelemetrySample.objects.filter(
        resolution=SampleResolution.MINUTE, bucket=minute, kind__in={row.kind for row in rows}
    ).delete()
    for row in rows:
        row.bucket, row.resolution = minute, SampleResolution.MINUTE
    TelemetrySample.objects.bulk_create(rows)
    return len(rows)
