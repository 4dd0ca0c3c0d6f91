"""`analytics_verify`'s comparison: every rollup row against the raw definition (sources/bets_raw.py).

The raw side is `bets_raw.components` itself, the path queries fall back to, grouped by every dimension
(capper, sport, league, market, bet type) and the day (the hour for the kept hours), one local month per
query; the rollup side is the stored rows under the same key. A key on one side only is a difference
in each of its parts. Numbers are compared exactly on PostgreSQL's numerics; a tolerance of 1e-6 covers
SQLite's float sums in the embedded configuration.
"""

import zoneinfo
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from apps.analytics.models import (
    CapperDayRollup,
    DailyRollup,
    HourlyRollup,
    MarketDayRollup,
    RollupDirtyBet,
    RollupState,
    TenantDayRollup,
)
from apps.analytics.query import MetricQuery
from apps.analytics.services.rollup_days import hourly_first_day
from apps.analytics.sources import bets_raw
from apps.analytics.sources.bets_rollup import PARTS
from apps.analytics.sources.components import Components
from apps.betting.models import Bet
from apps.tenants.models import Tenant

DIMENSIONS = ("capper", "sport", "league", "market", "bet_type")
TOLERANCE = Decimal("0.000001")
_STORED = ("capper_id", "league__sport__key", "league__key", "market", "bet_type")


@dataclass(frozen=True)
class Difference:
    grain: str  # day, hour, or a summary of the day's rows: tenant-day, capper-day, market-day
    key: tuple  # (capper id, sport, league, market, bet type, day or local hour)
    part: str
    rollup: object
    raw: object

    def describe(self) -> str:
        if self.grain in ("tenant-day", "capper-day", "market-day"):
            key = " ".join(str(value) for value in self.key[:-1])
            where = f"{self.key[-1]} {key}".strip()
            return f"{self.grain} {where}: {self.part} rollup {self.rollup} raw {self.raw}"
        capper, sport, league, market, bet_type, when = self.key
        return (
            f"{self.grain} {when} capper {capper} {sport or '-'}/{league or '-'} {market} {bet_type}: "
            f"{self.part} rollup {self.rollup} raw {self.raw}"
        )


@dataclass
class TenantReport:
    tenant: Tenant
    state: str  # "ok", or why queries do not read its rollups now
    rows: int = 0  # rollup rows compared
    differences: list[Difference] = None

    def __post_init__(self) -> None:
        self.differences = self.differences or []


def tenant_state(tenant: Tenant) -> str:
    """ "ok", or what keeps queries off this tenant's rollups (stale and why, never built, queued changes)."""
    state = RollupState.objects.filter(tenant=tenant).first()
    if state is None or state.built_at is None:
        return "never built (run analytics_rebuild)"
    notes = []
    if state.is_stale:
        notes.append(f"stale since {state.stale_since:%Y-%m-%d %H:%M:%S} UTC: {state.stale_reason}")
    if state.timezone_name != tenant.timezone:
        notes.append(f"built in {state.timezone_name}, the tenant is now in {tenant.timezone}")
    oldest = RollupDirtyBet.objects.filter(tenant_id=tenant.pk).aggregate(oldest=Min("marked_at"))["oldest"]
    if oldest is not None:
        queued = RollupDirtyBet.objects.filter(tenant_id=tenant.pk).count()
        age = (timezone.now() - oldest).total_seconds()
        notes.append(f"{queued} changed bets queued, the oldest {age:.0f} s ago")
    return "; ".join(notes) or "ok"


def verify_tenant(tenant: Tenant) -> TenantReport:
    """Every rollup row of the tenant against the raw definition; a read, in one transaction."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")  # the raw aggregation compiled for seconds otherwise
        return _verify(tenant)


def _verify(tenant: Tenant) -> TenantReport:
    report = TenantReport(tenant=tenant, state=tenant_state(tenant))
    zone = zoneinfo.ZoneInfo(tenant.timezone)
    span = _span(tenant, zone)
    if span is None:
        return report
    first, last = span
    for month_start, month_end in _months(first, last):
        raw = bets_raw.components(_query(tenant, month_start, month_end, "day"))
        stored = _stored_days(tenant, month_start, month_end)
        report.rows += len(stored)
        report.differences += _compare("day", stored, raw)
        for grain, (model, stored_keys, raw_positions) in SUMMARY_GRAINS.items():
            stored = _stored_summary(model, stored_keys, tenant, month_start, month_end)
            report.rows += len(stored)
            report.differences += _compare(grain, stored, _summed(raw, raw_positions))
    hours_from = max(first, hourly_first_day(zone))
    if hours_from <= last:
        raw = bets_raw.components(_query(tenant, hours_from, last, "hour"))
        stored = _stored_hours(tenant, zone, hours_from)
        report.rows += len(stored)
        report.differences += _compare("hour", stored, raw)
    return report


def _span(tenant: Tenant, zone: zoneinfo.ZoneInfo) -> tuple[date, date] | None:
    """The local days that have bets or rollup rows."""
    bets = Bet.objects.filter(tenant=tenant).aggregate(first=Min("placed_at"), last=Max("placed_at"))
    days = DailyRollup.objects.filter(tenant=tenant).aggregate(first=Min("day"), last=Max("day"))
    firsts = [day for day in (days["first"], bets["first"] and bets["first"].astimezone(zone).date()) if day]
    lasts = [day for day in (days["last"], bets["last"] and bets["last"].astimezone(zone).date()) if day]
    return (min(firsts), max(lasts)) if firsts else None


def _months(first: date, last: date) -> Iterator[tuple[date, date]]:
    month = first.replace(day=1)
    while month <= last:
        following = (month + timedelta(days=32)).replace(day=1)
        yield month, following - timedelta(days=1)
        month = following


def _query(tenant: Tenant, start: date, end: date, grain: str) -> MetricQuery:
    return MetricQuery(
        metrics=("bets_placed",),
        start=start,
        end=end,
        grain=grain,
        group_by=DIMENSIONS,
        tenant_id=tenant.pk,
        timezone_name=tenant.timezone,
    )


def _stored_days(tenant: Tenant, start: date, end: date) -> dict[tuple, Components]:
    rows = DailyRollup.objects.filter(tenant=tenant, day__gte=start, day__lte=end)
    return _collect(rows.values(*_STORED, "day", *PARTS), lambda row: row.pop("day"))


def _stored_hours(tenant: Tenant, zone: zoneinfo.ZoneInfo, first: date) -> dict[tuple, Components]:
    rows = HourlyRollup.objects.filter(tenant=tenant, hour__gte=datetime.combine(first, time.min, tzinfo=zone))

    def local_hour(row: dict) -> datetime:
        # two local hours share a name on a daylight-saving night: the raw side groups them as one
        return row.pop("hour").astimezone(zone).replace(tzinfo=None)

    return _collect(rows.values(*_STORED, "hour", *PARTS), local_hour)


# the summaries of the daily rows: (model, their key's columns, the positions of those in a raw key of
# DIMENSIONS + day)
SUMMARY_GRAINS = {
    "tenant-day": (TenantDayRollup, (), ()),
    "capper-day": (CapperDayRollup, ("capper_id",), (0,)),
    "market-day": (MarketDayRollup, ("league__sport__key", "league__key", "market", "bet_type"), (1, 2, 3, 4)),
}


def _stored_summary(model, keys: tuple, tenant: Tenant, start: date, end: date) -> dict[tuple, Components]:
    rows = model.objects.filter(tenant=tenant, day__gte=start, day__lte=end)
    collected = {}
    for row in rows.values(*keys, "day", *PARTS):
        key = (*(row.pop(name) for name in keys), row.pop("day"))
        lag = row.pop("lag_sum")
        collected[key] = Components(**row, lag_sum=lag.total_seconds() if lag is not None else 0.0)
    return collected


def _summed(raw: dict[tuple, Components], positions: tuple[int, ...]) -> dict[tuple, Components]:
    """The raw components summed per (the key's values at `positions`, day) (the lag in whole microseconds:
    a float sum of hundreds of keys would drift in its last digits where the stored total is exact)."""
    summed: dict[tuple, Components] = defaultdict(Components)
    lag_micro: dict[tuple, int] = defaultdict(int)
    for key, parts in raw.items():
        group = (*(key[position] for position in positions), key[-1])
        summed[group].add({name: getattr(parts, name) for name in _COMPARED if name != "lag_sum"})
        lag_micro[group] += round(parts.lag_sum * 1_000_000)
    for group, micro in lag_micro.items():
        summed[group].lag_sum = micro / 1_000_000
    return dict(summed)


def _collect(rows, when) -> dict[tuple, Components]:
    collected: dict[tuple, Components] = defaultdict(Components)
    for row in rows:
        key = (*(row.pop(name) for name in _STORED), when(row))
        lag = row.pop("lag_sum")
        row["lag_sum"] = lag.total_seconds() if lag is not None else 0.0
        collected[key].add(row)
    return dict(collected)


_COMPARED = [field.name for field in fields(Components) if field.name != "cappers"]


def _compare(grain: str, stored: dict[tuple, Components], raw: dict[tuple, Components]) -> list[Difference]:
    differences = []
    empty = Components()
    for key in sorted(set(stored) | set(raw), key=lambda key: tuple(str(value) for value in key)):
        mine, theirs = stored.get(key, empty), raw.get(key, empty)
        for part in _COMPARED:
            ours, truth = getattr(mine, part), getattr(theirs, part)
            if _differs(ours, truth):
                differences.append(Difference(grain, key, part, ours, truth))
    return differences


def _differs(ours, truth) -> bool:
    gap = abs(Decimal(str(ours)) - Decimal(str(truth)))
    exact = connection.vendor == "postgresql" and not isinstance(ours, float)  # lag seconds are floats
    return gap > 0 if exact else gap > TOLERANCE
