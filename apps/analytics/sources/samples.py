"""The platform's own telemetry, from the samples the beat sampler stores (apps/analytics/telemetry/).

* api_requests, api_error_rate, api_latency_p95_ms: the API surface's request rows, by tenant and route.
  Counts and histograms are summed in the database over the period; the error rate is Σ5xx / Σrequests and
  the p95 is estimated from the summed histogram (telemetry/histogram.py). A tenant's periods are read in its
  time zone; platform-wide, each tenant's rows fall in its own local days and rows without a tenant in UTC
  days, as for the betting metrics (hours are UTC hours). Samples are whole minutes or hours, so a tenant in a
  zone with a half-hour offset sees an hour sample in the local day the hour starts in.
* cache_hit_ratio: Σhits / Σreads of the cache rows (all namespaces).
* queue_depth, worker_memory_mb: snapshots, the total of the last sampling in each period.
"""

import zoneinfo
from collections import defaultdict

from django.db.models import BigIntegerField, F, Q, QuerySet, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from apps.analytics.choices import SampleKind
from apps.analytics.metrics import Metric
from apps.analytics.models import TelemetrySample
from apps.analytics.query import MetricQuery
from apps.analytics.sources.bets_raw import TRUNC, _local_bucket
from apps.analytics.sources.buckets import bucket_of, range_instants, zone
from apps.analytics.sources.labels import dimension_labels
from apps.analytics.sources.types import SourceAnswer
from apps.analytics.telemetry.histogram import histogram_quantile
from apps.core.monitoring.requests import LATENCY_BOUNDS_MS
from apps.tenants.models import Tenant

REQUEST_METRICS = frozenset({"api_requests", "api_error_rate", "api_latency_p95_ms"})
SNAPSHOTS = {"queue_depth": SampleKind.QUEUE, "worker_memory_mb": SampleKind.WORKER_MEMORY}
API_SURFACE = "api"
_MEBIBYTE = 1024 * 1024
_BUCKET_COUNT = len(LATENCY_BOUNDS_MS) + 1


def compute(query: MetricQuery, metrics: list[Metric]) -> SourceAnswer:
    names = {metric.name for metric in metrics}
    values: dict[tuple, dict] = defaultdict(dict)
    if names & REQUEST_METRICS:
        _request_figures(query, names, values)
    if "cache_hit_ratio" in names:
        for key, parts in _summed(_rows(SampleKind.CACHE, query), query, [(query.timezone_name, Q())], {}).items():
            values[key]["cache_hit_ratio"] = _ratio(parts["hits"], parts["count"])
    for name, kind in SNAPSHOTS.items():
        if name in names:
            for key, total in _snapshots(kind, query).items():
                values[key][name] = _snapshot_value(name, total)
    return SourceAnswer(values=dict(values), labels=dimension_labels(query, values), origin="samples")


def _request_figures(query: MetricQuery, names: set[str], values: dict[tuple, dict]) -> None:
    for key, parts in _request_parts(query, with_histogram="api_latency_p95_ms" in names).items():
        figures = values[key]
        if "api_requests" in names:
            figures["api_requests"] = parts["count"]
        if "api_error_rate" in names:
            figures["api_error_rate"] = _ratio(parts["errors"], parts["count"])
        if "api_latency_p95_ms" in names:
            p95 = histogram_quantile(0.95, [parts[f"b{index}"] for index in range(_BUCKET_COUNT)])
            figures["api_latency_p95_ms"] = round(p95, 1) if p95 is not None else None


def _ratio(numerator, denominator) -> float | None:
    return round(float(numerator) / float(denominator), 6) if denominator else None


def _snapshot_value(name: str, total) -> float | None:
    if total is None:
        return None
    return round(total / _MEBIBYTE, 1) if name == "worker_memory_mb" else int(total)


def _rows(kind: str, query: MetricQuery) -> QuerySet:
    rows = TelemetrySample.objects.filter(kind=kind)
    for dimension, allowed in query.filters:
        rows = rows.filter(**{f"{dimension}__in": list(allowed)})
    return rows


def _request_parts(query: MetricQuery, *, with_histogram: bool) -> dict[tuple, dict]:
    rows = _rows(SampleKind.REQUESTS, query).filter(surface=API_SURFACE)
    extra = {}
    if with_histogram:
        extra = {
            f"b{index}": Sum(Cast(KT(f"latency_buckets__{index}"), BigIntegerField())) for index in range(_BUCKET_COUNT)
        }
    return _summed(rows, query, _zone_scopes(query), extra)


def _summed(rows: QuerySet, query: MetricQuery, scopes: list[tuple[str, Q]], extra: dict) -> dict[tuple, dict]:
    """Counters summed per key (group-by values…, bucket), each scope's rows bucketed in its time zone."""
    aggregates = {"count": Sum("count"), "errors": Sum("errors"), "hits": Sum("hits"), **extra}
    result: dict[tuple, dict] = {}
    for zone_name, scope in scopes:
        start, end = range_instants(query, zone_name)
        scoped = rows.filter(scope, bucket__gte=start, bucket__lt=end).order_by()
        names = {f"d_{dimension}": F(dimension) for dimension in query.group_by}
        if query.grain:
            names["period"] = TRUNC[query.grain]("bucket", tzinfo=zoneinfo.ZoneInfo(zone_name))
        if names:
            grouped = list(scoped.annotate(**names).values(*names).annotate(**aggregates))
        else:
            grouped = [scoped.aggregate(**aggregates)]
        for row in grouped:
            if row["count"] is None:
                continue  # an aggregate over no rows
            key = [row.pop(f"d_{dimension}") or None for dimension in query.group_by]
            if query.grain:
                key.append(_local_bucket(row.pop("period"), query.grain, zone_name))
            parts = result.setdefault(tuple(key), defaultdict(int))
            for name, amount in row.items():
                parts[name] += amount or 0
    return result


def _zone_scopes(query: MetricQuery) -> list[tuple[str, Q]]:
    """(time zone, which rows) pairs: the tenant's zone for its query; platform-wide, each tenant's rows in its
    own zone and the rest (rows without a tenant, tenants in the query's zone) in the query's zone."""
    if query.tenant_id is not None:
        guild_id = Tenant.objects.values_list("guild_id", flat=True).get(pk=query.tenant_id)
        return [(query.timezone_name, Q(tenant=guild_id))]
    if query.grain == "hour":  # a platform-wide hour is a UTC hour (local hours of different zones do not line up)
        return [(query.timezone_name, Q())]
    tenants = Tenant.objects.exclude(timezone=query.timezone_name)
    if query.filter_map.get("tenant"):
        tenants = tenants.filter(guild_id__in=query.filter_map["tenant"])
    zones: dict[str, list[str]] = defaultdict(list)
    for guild_id, zone_name in tenants.values_list("guild_id", "timezone"):
        zones[zone_name].append(guild_id)
    elsewhere = [guild_id for guild_ids in zones.values() for guild_id in guild_ids]
    scopes = [(zone_name, Q(tenant__in=guild_ids)) for zone_name, guild_ids in zones.items()]
    scopes.append((query.timezone_name, ~Q(tenant__in=elsewhere) if elsewhere else Q()))
    return scopes


def _snapshots(kind: str, query: MetricQuery) -> dict[tuple, float]:
    """The total of the last sampling in each bucket (all queues; all worker processes)."""
    start, end = range_instants(query)
    samplings = (
        _rows(kind, query)
        .filter(bucket__gte=start, bucket__lt=end)
        .order_by()
        .values("bucket")
        .annotate(total=Sum("value"))
        .order_by("bucket")
    )
    tz = zone(query)
    latest: dict[tuple, float] = {}
    for row in samplings:
        local = row["bucket"].astimezone(tz).replace(tzinfo=None)
        latest[(bucket_of(local, query.grain),) if query.grain else ()] = row["total"]  # later samplings win
    return latest
