"""Betting components summed from the rollups (models/rollups.py), when they can answer the query.

Days, weeks and months are read from the daily rows (a week or a month is the sum of its local days), or
from the smallest summary of them that has every dimension the query splits or filters by (`_day_rows`:
tenant-day, capper-day or market-day rows);
hours from the hourly rows, which exist for the last ANALYTICS_HOURLY_DAYS days. The sums are the rows'
parts grouped by the query's dimensions and bucket, with the same bucket rules as the raw path
(bets_raw.py `grouped`); active cappers are the distinct cappers of the rows with a bet.

`freshness(query)` says whether they can: every tenant in the query built in its current time zone,
none marked stale, and no queued change older than ANALYTICS_STALE_AFTER_SECONDS.
"""

import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncHour, TruncMonth, TruncWeek
from django.utils import timezone

from apps.analytics.models import (
    CapperDayRollup,
    DailyRollup,
    HourlyRollup,
    MarketDayRollup,
    RollupDirtyBet,
    TenantDayRollup,
)
from apps.analytics.query import MetricQuery
from apps.analytics.sources.bets_raw import filtered_by, grouped
from apps.analytics.sources.buckets import range_instants
from apps.analytics.sources.components import Components
from apps.tenants.models import Tenant

# the query's dimensions, read on rollup rows (the sport is the league's)
PATHS = {
    "tenant": F("tenant__guild_id"),
    "capper": F("capper_id"),
    "sport": F("league__sport__key"),
    "league": F("league__key"),
    "market": F("market"),
    "bet_type": F("bet_type"),
}
PARTS = ("bets", "stake", "odds_sum", "parlays", "pending", "lag_sum", "lag_count", "won", "lost", "push", "void")
PARTS += ("staked", "net")
SUMMED = "summed_"
# the parts each metric is derived from (components.py DERIVE): only those are summed
NEEDS = {
    "bets_placed": ("bets",),
    "stake_units": ("stake",),
    "units_net": ("net",),
    "roi": ("net", "staked"),
    "win_rate": ("won", "lost"),
    "active_cappers": ("cappers",),
    "avg_decimal_odds": ("odds_sum", "bets"),
    "pending_bets": ("pending",),
    "parlay_share": ("parlays", "bets"),
    "grading_lag_seconds": ("lag_sum", "lag_count"),
}


@dataclass(frozen=True)
class Freshness:
    usable: bool  # the rollups answer this query
    stale: bool  # they should have, but lag behind or a refresh failed (the raw rows answer, say so)


def _scope(query: MetricQuery):
    """The tenants the query reads."""
    tenants = Tenant.objects.all() if query.tenant_id is None else Tenant.objects.filter(pk=query.tenant_id)
    if query.filter_map.get("tenant"):
        tenants = tenants.filter(guild_id__in=query.filter_map["tenant"])
    return tenants


def unfit_tenants(tenants: QuerySet) -> QuerySet:
    """Of `tenants`, those whose rollups cannot be trusted: never built, built in another time zone,
    marked stale, or with a change queued longer than ANALYTICS_STALE_AFTER_SECONDS."""
    lagging_since = timezone.now() - timedelta(seconds=settings.ANALYTICS_STALE_AFTER_SECONDS)
    lagging = RollupDirtyBet.objects.filter(marked_at__lt=lagging_since)
    return tenants.filter(
        Q(rollup_state__isnull=True)
        | Q(rollup_state__built_at__isnull=True)
        | Q(rollup_state__is_stale=True)
        | ~Q(rollup_state__timezone_name=F("timezone"))
        | Q(pk__in=lagging.values("tenant_id"))
    )


def freshness(query: MetricQuery) -> Freshness:
    tenants = _scope(query)
    if query.grain == "hour" and not _hours_kept(query, tenants):
        return Freshness(usable=False, stale=False)  # hours the rollups do not keep: raw, not a fault
    if unfit_tenants(tenants).exists():
        return Freshness(usable=False, stale=True)
    return Freshness(usable=True, stale=False)


def _hours_kept(query: MetricQuery, tenants: QuerySet) -> bool:
    """Whether the hourly rows cover the query: its first day within the kept days of every zone it
    reads, and, platform-wide (UTC hours), no zone whose hours start off the UTC hour (India's)."""
    start, _ = range_instants(query)
    now = timezone.now()
    for zone_name in set(tenants.values_list("timezone", flat=True)):
        zone = zoneinfo.ZoneInfo(zone_name)
        first_kept = now.astimezone(zone).date() - timedelta(days=settings.ANALYTICS_HOURLY_DAYS)
        if start < datetime.combine(first_kept, time.min, tzinfo=zone):
            return False
        if query.tenant_id is None and _off_the_hour(zone, query):
            return False
    return True


def _off_the_hour(zone: zoneinfo.ZoneInfo, query: MetricQuery) -> bool:
    days = (query.end - query.start).days
    return any(
        ((datetime.combine(query.start + timedelta(days=offset), time(12), tzinfo=zone).utcoffset() or timedelta())
         .total_seconds() // 60) % 60
        for offset in range(days + 1)
    )  # fmt: skip


def components(query: MetricQuery) -> dict[tuple, Components]:
    """Components by key (group-by values…, bucket) for the query, from the rollup rows."""
    rows, bucket = _rows_and_bucket(query)
    if query.tenant_id is not None:
        rows = rows.filter(tenant_id=query.tenant_id)
    rows = filtered_by(rows, query, PATHS)  # a platform-wide query's tenant filter among them
    result: dict[tuple, Components] = defaultdict(Components)
    for key, sums in grouped(rows, query, PATHS, bucket, query.timezone_name, _parts(query)):
        parts = {name.removeprefix(SUMMED): value for name, value in sums.items()}
        lag_sum = parts.pop("lag_sum", None)
        if "lag_count" in parts:
            parts["lag_sum"] = lag_sum.total_seconds() if lag_sum is not None else 0.0
        result[key].add(parts)
    return dict(result)


def _rows_and_bucket(query: MetricQuery):
    """The rollup rows that answer the query (the smallest that can) and its time bucket on them."""
    if query.grain == "hour":
        start, end = range_instants(query)
        zone = zoneinfo.ZoneInfo(query.timezone_name) if query.tenant_id is not None else UTC
        return HourlyRollup.objects.filter(hour__gte=start, hour__lt=end), TruncHour("hour", tzinfo=zone)
    model = _day_rows(query)
    rows = model.objects.filter(day__gte=query.start, day__lte=query.end)
    buckets = {None: None, "day": F("day"), "week": TruncWeek("day"), "month": TruncMonth("day")}
    return rows, buckets[query.grain]


def _day_rows(query: MetricQuery):
    """The smallest day rows that hold the answer: a summary of the daily rows whose key has every dimension
    the query splits or filters by (the tenant-day rows: only the tenant; the capper-day rows: the capper;
    the market-day rows: sport, league, market, bet type), else the daily rows. Active cappers need the
    capper in the key (a distinct count is not summed)."""
    dimensions = set(query.group_by) | set(query.filter_map)
    cappers = "active_cappers" in query.metrics
    if dimensions <= {"tenant"} and not cappers:
        return TenantDayRollup
    if dimensions <= {"tenant", "capper"}:
        return CapperDayRollup
    if dimensions <= {"tenant", "sport", "league", "market", "bet_type"} and not cappers:
        return MarketDayRollup
    return DailyRollup


def _parts(query: MetricQuery) -> dict:
    """The sums the query's metrics need, named apart from the columns they sum (a filter on `bets` must
    read the rows' column, not the sum)."""
    needed = {part for metric in query.metrics for part in NEEDS[metric]}
    parts = {f"{SUMMED}{name}": Sum(name) for name in PARTS if name in needed}
    if "cappers" in needed:
        parts[f"{SUMMED}cappers"] = Count("capper_id", distinct=True, filter=Q(bets__gt=0))
    return parts
