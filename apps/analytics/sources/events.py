"""Counts of the other apps' rows: fraud cases, security alerts and incidents opened; data-subject
requests open; the compliance score. Small tables: counted from their rows, no rollups."""

import zoneinfo
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, QuerySet

from apps.analytics.metrics import Metric
from apps.analytics.query import MetricQuery
from apps.analytics.sources.bets_raw import TRUNC, _local_bucket
from apps.analytics.sources.buckets import buckets_between, range_instants
from apps.analytics.sources.types import SourceAnswer
from apps.compliance.models import ScoreSnapshot
from apps.fraud.models import FraudCase
from apps.incidents.models import Incident
from apps.privacy.models import DataSubjectRequest
from apps.security.models import Alert
from apps.tenants.models import Tenant


def _guild_ids(query: MetricQuery) -> list[str] | None:
    """The guilds whose rows a query counts: its tenant's unless filter_tenant leaves it out, the filter's
    on a platform-wide query, None for every guild."""
    wanted = query.filter_map.get("tenant")
    if query.tenant_id is None:
        return list(wanted) if wanted else None
    own = Tenant.objects.values_list("guild_id", flat=True).get(pk=query.tenant_id)
    return [own] if not wanted or own in wanted else []


def _opened_rows(name: str, query: MetricQuery) -> QuerySet:
    guild_ids = _guild_ids(query)
    if name == "fraud_cases_opened":
        rows = FraudCase.objects.all()
        return rows.filter(cappers__tenant__guild_id__in=guild_ids).distinct() if guild_ids is not None else rows
    if name == "security_alerts_opened":
        rows = Alert.objects.all()
        return rows.filter(guild_id__in=guild_ids) if guild_ids is not None else rows
    return Incident.objects.all()


def compute(query: MetricQuery, metrics: list[Metric]) -> SourceAnswer:
    values: dict[tuple, dict] = defaultdict(dict)
    for metric in metrics:
        if metric.name == "dsr_open":
            figures = _open_requests(query)
        elif metric.name == "compliance_score":
            figures = _compliance_score(query)
        else:
            figures = _opened(_opened_rows(metric.name, query), query)
        for key, value in figures.items():
            values[key][metric.name] = value
    return SourceAnswer(values=dict(values), origin="events")


def _group_key(tenant_value: str | None, bucket, query: MetricQuery) -> tuple:
    key = [tenant_value] if "tenant" in query.group_by else []
    return (*key, bucket) if query.grain else tuple(key)


def _opened(rows: QuerySet, query: MetricQuery) -> dict[tuple, int]:
    start, end = range_instants(query)
    rows = rows.filter(created_at__gte=start, created_at__lt=end).order_by()
    if not query.grain:
        return {(): rows.count()} if not query.group_by else _by_tenant_total(rows, query)
    tz = zoneinfo.ZoneInfo(query.timezone_name)
    grouped = rows.annotate(bucket=TRUNC[query.grain]("created_at", tzinfo=tz)).values("bucket")
    if "tenant" in query.group_by:
        grouped = grouped.annotate(tenant_value=_tenant_path(rows)).values("bucket", "tenant_value")
    counts = {}
    for row in grouped.annotate(n=Count("id", distinct=True)):
        bucket = _local_bucket(row["bucket"], query.grain, query.timezone_name)
        counts[_group_key(row.get("tenant_value"), bucket, query)] = row["n"]
    return counts


def _tenant_path(rows: QuerySet):
    if rows.model is FraudCase:
        return F("cappers__tenant__guild_id")
    return F("guild_id")


def _by_tenant_total(rows: QuerySet, query: MetricQuery) -> dict[tuple, int]:
    grouped = (
        rows.annotate(tenant_value=_tenant_path(rows)).values("tenant_value").annotate(n=Count("id", distinct=True))
    )
    return {(row["tenant_value"],): row["n"] for row in grouped}


def _bucket_ends(query: MetricQuery) -> list[tuple[object, datetime]]:
    """(bucket, the instant it ends) for each bucket of the range (the whole range without a grain)."""
    tz = zoneinfo.ZoneInfo(query.timezone_name)
    if not query.grain:
        return [(None, range_instants(query)[1])]
    buckets = list(buckets_between(query))
    ends = []
    for index, bucket in enumerate(buckets):
        if index + 1 < len(buckets):
            nxt = buckets[index + 1]
        else:
            nxt = datetime.combine(query.end + timedelta(days=1), time.min)
        nxt = nxt if isinstance(nxt, datetime) else datetime.combine(nxt, time.min)
        ends.append((bucket, nxt.replace(tzinfo=tz)))
    return ends


def _open_requests(query: MetricQuery) -> dict[tuple, int]:
    """Requests open at the end of each bucket: received before it, not completed or rejected by then."""
    rows = DataSubjectRequest.objects.order_by()
    if query.tenant_id:
        rows = rows.filter(tenant_id=query.tenant_id)
    guild_ids = _guild_ids(query)
    if guild_ids is not None:
        rows = rows.filter(tenant__guild_id__in=guild_ids)
    spans = list(rows.values_list("tenant__guild_id", "created_at", "completed_at"))
    figures: dict[tuple, int] = {}
    for bucket, end in _bucket_ends(query):
        counts: dict[str | None, int] = defaultdict(int)
        for guild_id, created_at, completed_at in spans:
            if created_at < end and (completed_at is None or completed_at >= end):
                counts[guild_id if "tenant" in query.group_by else None] += 1
        if "tenant" in query.group_by:
            for guild_id, n in counts.items():
                figures[_group_key(guild_id, bucket, query)] = n
        else:
            figures[_group_key(None, bucket, query)] = counts.get(None, 0)
    return figures


def _compliance_score(query: MetricQuery) -> dict[tuple, float | None]:
    """The mean over frameworks of each one's latest score snapshot on or before the bucket's last day."""
    snapshots = list(
        ScoreSnapshot.objects.filter(day__lte=query.end, score__isnull=False)
        .order_by("framework_id", "day")
        .values_list("framework_id", "day", "score")
    )
    figures = {}
    for bucket, end in _bucket_ends(query):
        last_day: date = (end - timedelta(microseconds=1)).date()
        latest: dict[str, float] = {}
        for framework_id, day, score in snapshots:
            if day <= last_day:
                latest[framework_id] = score
        figures[_group_key(None, bucket, query)] = round(sum(latest.values()) / len(latest), 2) if latest else None
    return figures
