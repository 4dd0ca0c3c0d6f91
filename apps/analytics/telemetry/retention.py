"""Retention of the telemetry samples: minute rows of whole hours older than TELEMETRY_MINUTE_SAMPLES_KEEP_HOURS
become one hour row per series (counters added, a snapshot's last minute kept), and every row older than
TELEMETRY_RETENTION_DAYS is deleted. A long chart reads hours; the recent days keep their minutes.

Each hour is compacted in one transaction (its minute rows locked, the hour rows written, the minutes
deleted), so a query never sees an hour twice or not at all.
"""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models.functions import TruncHour
from django.utils import timezone

from apps.analytics.choices import SampleResolution
from apps.analytics.models import TelemetrySample
from apps.analytics.telemetry.rows import SERIES_FIELDS, combine, merge_into_stored, series_key

PRUNE_BATCH = 10_000


def telemetry_compact(*, now: datetime | None = None, max_hours: int = 48) -> int:
    """Compact up to `max_hours` of the oldest minute-resolution hours past the keep period; returns how many."""
    now = now or timezone.now()
    cutoff = (now - timedelta(hours=settings.TELEMETRY_MINUTE_SAMPLES_KEEP_HOURS)).replace(
        minute=0, second=0, microsecond=0
    )
    hours = list(
        TelemetrySample.objects.filter(resolution=SampleResolution.MINUTE, bucket__lt=cutoff)
        .annotate(hour=TruncHour("bucket", tzinfo=UTC))
        .order_by("hour")
        .values_list("hour", flat=True)
        .distinct()[:max_hours]
    )
    for hour in hours:
        _compact_hour(hour)
    return len(hours)


@transaction.atomic
def _compact_hour(hour: datetime) -> None:
    minutes = TelemetrySample.objects.select_for_update().filter(
        resolution=SampleResolution.MINUTE, bucket__gte=hour, bucket__lt=hour + timedelta(hours=1)
    )
    merged: dict[tuple, TelemetrySample] = {}
    for row in minutes.order_by("bucket", "id"):
        key = series_key(row)
        if key not in merged:
            merged[key] = TelemetrySample(
                kind=row.kind,
                latency_buckets=[],
                **{name: getattr(row, name) for name in SERIES_FIELDS},
            )
        combine(merged[key], row)
    merge_into_stored(list(merged.values()), resolution=SampleResolution.HOUR, bucket=hour)
    minutes.delete()


def telemetry_prune(*, now: datetime | None = None) -> int:
    """Delete samples older than TELEMETRY_RETENTION_DAYS (in batches); returns how many."""
    before = (now or timezone.now()) - timedelta(days=settings.TELEMETRY_RETENTION_DAYS)
    deleted = 0
    while True:
        ids = list(TelemetrySample.objects.filter(bucket__lt=before).values_list("pk", flat=True)[:PRUNE_BATCH])
        if not ids:
            return deleted
        deleted += TelemetrySample.objects.filter(pk__in=ids).delete()[0]
