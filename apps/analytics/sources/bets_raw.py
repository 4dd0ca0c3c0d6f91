"""Betting components aggregated from the raw rows: bets for placement figures, the ledger for results.

This is the metrics' definition. A bet belongs to the day (hour, week, month) it was placed, in the
tenant's time zone; its sport, league and market are those of its first leg (a parlay's market is
`parlay`). A platform-wide query runs once per distinct tenant time zone, so each tenant's figures fall
in its own local days, then adds them up.
"""

import zoneinfo
from collections import defaultdict
from datetime import datetime

from django.db.models import (
    Case,
    CharField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncDay, TruncHour, TruncMonth, TruncWeek

from apps.analytics.query import MetricQuery
from apps.analytics.sources.buckets import range_instants
from apps.analytics.sources.components import Components
from apps.betting.choices import OPEN_BET_STATUSES, LegResult, SettlementSource
from apps.betting.models import Bet, BetLeg, LedgerEntry
from apps.tenants.models import Tenant

TRUNC = {"hour": TruncHour, "day": TruncDay, "week": TruncWeek, "month": TruncMonth}
_TEXT = CharField()


def dimension_paths(prefix: str) -> dict:
    """The expression of each dimension, from a queryset of bets (prefix "") or of ledger rows ("bet__")."""
    parlay = Q(**{f"{prefix}leg_count__gt": 1})
    return {
        "tenant": F(f"{prefix}tenant__guild_id"),
        "capper": F(f"{prefix}capper_id"),
        "sport": F("first_leg__game__league__sport__key"),
        "league": F("first_leg__game__league__key"),
        "market": Case(When(parlay, then=Value("parlay")), default=F("first_leg__market"), output_field=_TEXT),
        "bet_type": Case(When(parlay, then=Value("parlay")), default=Value("single"), output_field=_TEXT),
    }


def with_first_leg(rows: QuerySet, prefix: str) -> QuerySet:
    legs = f"{prefix}legs"
    return rows.annotate(first_leg=FilteredRelation(legs, condition=Q(**{f"{legs}__position": 1})))


def filtered(rows: QuerySet, query: MetricQuery, prefix: str) -> QuerySet:
    paths = dimension_paths(prefix)
    for dimension, values in query.filters:
        rows = rows.annotate(**{f"f_{dimension}": paths[dimension]}).filter(**{f"f_{dimension}__in": list(values)})
    return rows


def _bet_parts() -> dict:
    lag = ExpressionWrapper(F("settled_at") - F("last_final_at"), output_field=DurationField())
    auto_lag = Q(settlement_source=SettlementSource.AUTO, settled_at__isnull=False, last_final_at__isnull=False)
    return {
        "bets": Count("id"),
        "stake": Sum("stake_units"),
        "odds_sum": Sum("decimal_odds"),
        "parlays": Count("id", filter=Q(leg_count__gt=1)),
        "pending": Count("id", filter=Q(status__in=OPEN_BET_STATUSES)),
        "lag_total": Sum(lag, filter=auto_lag),
        "lag_count": Count("id", filter=auto_lag),
        "cappers": Count("capper_id", distinct=True),
    }


def _ledger_parts() -> dict:
    counts = {
        name: Sum("record_sign", filter=Q(result=result))
        for name, result in (
            ("won", LegResult.WON),
            ("lost", LegResult.LOST),
            ("push", LegResult.PUSH),
            ("void", LegResult.VOID),
        )
    }
    return {**counts, "staked": Sum("staked_units"), "net": Sum("units")}


def _last_final_at():
    return Subquery(
        BetLeg.objects.filter(bet=OuterRef("pk"), game__isnull=False)
        .order_by()
        .values("bet")
        .annotate(last=Max("game__finalized_at"))
        .values("last")[:1]
    )


def components(query: MetricQuery) -> dict[tuple, Components]:
    """Components by key (group-by values…, bucket) for the query, from bets and ledger rows."""
    result: dict[tuple, Components] = defaultdict(Components)
    for zone_name, tenant_ids in _zones(query).items():
        start, end = range_instants(query, zone_name)
        bets = Bet.objects.filter(tenant_id__in=tenant_ids, placed_at__gte=start, placed_at__lt=end)
        bets = filtered(with_first_leg(bets, ""), query, "").annotate(last_final_at=_last_final_at())
        for row in _grouped(bets, query, "", zone_name, _bet_parts()):
            key, parts = row
            lag_total = parts.pop("lag_total")
            parts["lag_sum"] = lag_total.total_seconds() if lag_total is not None else 0.0
            result[key].add(parts)
        entries = LedgerEntry.objects.filter(tenant_id__in=tenant_ids, placed_at__gte=start, placed_at__lt=end)
        entries = filtered(with_first_leg(entries, "bet__"), query, "bet__")
        for key, parts in _grouped(entries, query, "bet__", zone_name, _ledger_parts()):
            result[key].add(parts)
    return dict(result)


def _grouped(rows: QuerySet, query: MetricQuery, prefix: str, zone_name: str, parts: dict):
    paths = dimension_paths(prefix)
    names = {f"d_{dimension}": paths[dimension] for dimension in query.group_by}
    if query.grain:
        names["bucket"] = TRUNC[query.grain]("placed_at", tzinfo=zoneinfo.ZoneInfo(zone_name))
    if not names:
        # one total: `.values()` with no names would group by every column, one group per row (distinct
        # cappers then counted once per bet, and every row fetched)
        yield (), rows.order_by().aggregate(**parts)
        return
    grouped = rows.order_by().annotate(**names).values(*names).annotate(**parts)
    for row in grouped:
        key = [row.pop(f"d_{dimension}") for dimension in query.group_by]
        if query.grain:
            bucket = row.pop("bucket")
            key.append(_local_bucket(bucket, query.grain, zone_name))
        yield tuple(key), row


def _local_bucket(bucket, grain: str, zone_name: str):
    """Trunc gives an aware instant (hour) or a date-like datetime; buckets are naive local values."""
    if isinstance(bucket, datetime):
        if bucket.tzinfo is not None:
            bucket = bucket.astimezone(zoneinfo.ZoneInfo(zone_name))
        return bucket.replace(tzinfo=None) if grain == "hour" else bucket.date()
    return bucket


def _zones(query: MetricQuery) -> dict[str, list[int]]:
    """Tenant ids by time zone: the query's tenant, or every tenant for a platform-wide query."""
    tenants = Tenant.objects.all() if query.tenant_id is None else Tenant.objects.filter(pk=query.tenant_id)
    if query.filter_map.get("tenant"):
        tenants = tenants.filter(guild_id__in=query.filter_map["tenant"])
    zones: dict[str, list[int]] = defaultdict(list)
    for tenant_id, zone_name in tenants.values_list("pk", "timezone"):
        # a platform-wide hour is a UTC hour (local hours of different zones do not line up)
        own_zone = query.tenant_id is None and query.grain != "hour"
        zones[zone_name if own_zone else query.timezone_name].append(tenant_id)
    return zones
