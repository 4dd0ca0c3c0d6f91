"""Arithmetic on sample rows shared by the sampler and the compaction: which series a row belongs to,
adding counters, keeping a snapshot's latest value, and merging into the rows already stored."""

from apps.analytics.choices import SampleKind
from apps.analytics.models import TelemetrySample
from apps.analytics.telemetry.histogram import histogram_add

SERIES_FIELDS = ("surface", "route", "tenant", "component")
COUNTER_FIELDS = ("count", "client_errors", "errors", "hits", "latency_ms_sum")
SNAPSHOT_KINDS = frozenset({SampleKind.QUEUE, SampleKind.WORKER_MEMORY})


def series_key(row: TelemetrySample) -> tuple:
    return (row.kind, *(getattr(row, name) for name in SERIES_FIELDS))


def combine(into: TelemetrySample, row: TelemetrySample) -> None:
    """Fold `row` (the later one) into `into`: counters add up; a snapshot takes the later value."""
    if row.kind in SNAPSHOT_KINDS:
        into.value, into.count = row.value, row.count
        return
    for name in COUNTER_FIELDS:
        setattr(into, name, getattr(into, name) + getattr(row, name))
    into.latency_buckets = histogram_add(list(into.latency_buckets or []), list(row.latency_buckets or []))


def merge_into_stored(rows: list[TelemetrySample], *, resolution: str, bucket) -> int:
    """Store `rows` (all of one resolution and bucket), folding each into a stored row of its series if there
    is one (a second sampling within the same minute; a late minute of a compacted hour). Returns how many
    rows were written. Callers hold the lock that serializes writers (the sampler's cursor, the hour's rows).
    """
    if not rows:
        return 0
    for row in rows:
        row.resolution, row.bucket = resolution, bucket
    stored = {
        series_key(row): row
        for row in TelemetrySample.objects.filter(
            resolution=resolution, bucket=bucket, kind__in={row.kind for row in rows}
        )
    }
    created, updated = [], []
    for row in rows:
        existing = stored.get(series_key(row))
        if existing is None:
            created.append(row)
        else:
            combine(existing, row)
            updated.append(existing)
    TelemetrySample.objects.bulk_create(created)
    if updated:
        TelemetrySample.objects.bulk_update(updated, [*COUNTER_FIELDS, "latency_buckets", "value"])
    return len(created) + len(updated)
