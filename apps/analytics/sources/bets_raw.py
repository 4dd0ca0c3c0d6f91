"""Betting components aggregated from the raw rows: bets for placement figures, the ledger for results.

This is the metrics' definition. A bet belongs to the day (hour, week, month) it was placed, in the
tenant's time zone; its sport, league and market are those of its first leg (a parlay's market is
`parlay`). A platform-wide query runs once per distinct tenant time zone, so each tenant's figures fall
in its own local days, then adds them up.
"""

import zoneinfo
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime

from django.db.models import (
    Case,
    CharField,
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Func,
    IntegerField,
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


def _is_parlay(prefix: str) -> Q:
    return Q(**{f"{prefix}leg_count__gt": 1})


def _market(prefix: str) -> Case:
    return Case(When(_is_parlay(prefix), then=Value("parlay")), default=F("first_leg__market"), output_field=_TEXT)


def _bet_type(prefix: str) -> Case:
    return Case(When(_is_parlay(prefix), then=Value("parlay")), default=Value("single"), output_field=_TEXT)


def dimension_paths(prefix: str) -> dict:
    """The expression of each dimension, from a queryset of bets (prefix "") or of ledger rows ("bet__")."""
    return {
        "tenant": F(f"{prefix}tenant__guild_id"),
        "capper": F(f"{prefix}capper_id"),
        "sport": F("first_leg__game__league__sport__key"),
        "league": F("first_leg__game__league__key"),
        "market": _market(prefix),
        "bet_type": _bet_type(prefix),
    }


def key_paths(prefix: str) -> dict:
    """The key a rollup row stores (apps/analytics/models/rollups.py), by the same rules as the dimensions:
    ids where the dimension is a name of a row (the sport is the league's)."""
    return {
        "tenant_id": F(f"{prefix}tenant_id"),
        "capper_id": F(f"{prefix}capper_id"),
        "league_id": F("first_leg__game__league_id"),
        "market": _market(prefix),
        "bet_type": _bet_type(prefix),
    }


def with_first_leg(rows: QuerySet, prefix: str) -> QuerySet:
    legs = f"{prefix}legs"
    return rows.annotate(first_leg=FilteredRelation(legs, condition=Q(**{f"{legs}__position": 1})))


def filtered(rows: QuerySet, query: MetricQuery, prefix: str) -> QuerySet:
    return filtered_by(rows, query, dimension_paths(prefix))


def filtered_by(rows: QuerySet, query: MetricQuery, paths: dict) -> QuerySet:
    """Rows narrowed to the query's filter values, each dimension read through `paths`."""
    for dimension, values in query.filters:
        rows = rows.annotate(**{f"f_{dimension}": paths[dimension]}).filter(**{f"f_{dimension}__in": list(values)})
    return rows


def bet_contributions() -> dict:
    """What one bet (annotated by `bet_rows`) adds to each placement part: the parts are their sums.

    `lag_total` is the grading lag of an auto-graded bet with a final game (a duration; empty otherwise),
    `lag_count` counts those bets.
    """
    lag = ExpressionWrapper(F("settled_at") - F("last_final_at"), output_field=DurationField())
    auto = Q(settlement_source=SettlementSource.AUTO, settled_at__isnull=False)
    return {
        "bets": Value(1, output_field=IntegerField()),
        "stake": F("stake_units"),
        "odds_sum": F("decimal_odds"),
        "parlays": _one_if(Q(leg_count__gt=1)),
        "pending": _one_if(Q(status__in=OPEN_BET_STATUSES)),
        "lag_total": Case(When(auto, then=lag), default=None, output_field=DurationField()),
        "lag_count": _one_if(auto & Q(last_final_at__isnull=False)),
    }


def _one_if(condition: Q) -> Case:
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def bet_parts() -> dict:
    """The placement parts over bets annotated by `bet_rows`: the sums of `bet_contributions`, and the
    distinct cappers (not additive: not stored in rollups)."""
    parts = {name: Sum(contribution) for name, contribution in bet_contributions().items()}
    return {**parts, "cappers": Count("capper_id", distinct=True)}


def ledger_parts() -> dict:
    """The result parts, over ledger rows (`ledger_rows`): W/L/P/void counts are sums of the record sign."""
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
    """When the last game of the bet's legs became final (a single's is its first leg's game)."""
    # MAX as a plain function, not an ORM aggregate: one aggregate row per bet without a GROUP BY
    last_of_legs = Func(F("game__finalized_at"), function="MAX", output_field=DateTimeField())
    legs = BetLeg.objects.filter(bet=OuterRef("pk"), game__isnull=False).order_by()
    parlay_last = Subquery(legs.values(last=last_of_legs))
    return Case(
        When(leg_count=1, then=F("first_leg__game__finalized_at")), default=parlay_last, output_field=DateTimeField()
    )


# which bets: prefix -> the condition, on a bet's fields (prefix "") or on a ledger row's bet ("bet__")
Where = Callable[[str], Q]


def placed_in(tenant_ids, start: datetime, end: datetime) -> Where:
    """Bets of these tenants placed in [start, end)."""
    return lambda prefix: Q(
        **{f"{prefix}tenant_id__in": tenant_ids, f"{prefix}placed_at__gte": start, f"{prefix}placed_at__lt": end}
    )


def bet_rows(where: Where) -> QuerySet:
    """The bets `where` selects, with their first leg and `last_final_at` (what `bet_parts` reads)."""
    return with_first_leg(Bet.objects.filter(where("")), "").annotate(last_final_at=_last_final_at())


def ledger_rows(where: Where) -> QuerySet:
    """The ledger entries of the bets `where` selects, with the bet's first leg.

    The condition is applied to the entry's own tenant and placement time (the bet's, copied) and to
    its bet's: the same rows, but the planner can then reach both tables through their indexes instead
    of scanning every bet to join a month of entries.
    """
    return with_first_leg(LedgerEntry.objects.filter(where(""), where("bet__")), "bet__")


def components(query: MetricQuery) -> dict[tuple, Components]:
    """Components by key (group-by values…, bucket) for the query, from bets and ledger rows."""
    result: dict[tuple, Components] = defaultdict(Components)
    for zone_name, tenant_ids in _zones(query).items():
        start, end = range_instants(query, zone_name)
        bets = filtered(bet_rows(placed_in(tenant_ids, start, end)), query, "")
        for row in _grouped(bets, query, "", zone_name, bet_parts()):
            key, parts = row
            lag_total = parts.pop("lag_total")
            parts["lag_sum"] = lag_total.total_seconds() if lag_total is not None else 0.0
            result[key].add(parts)
        entries = filtered(ledger_rows(placed_in(tenant_ids, start, end)), query, "bet__")
        for key, parts in _grouped(entries, query, "bet__", zone_name, ledger_parts()):
            result[key].add(parts)
    return dict(result)


def _grouped(rows: QuerySet, query: MetricQuery, prefix: str, zone_name: str, parts: dict):
    bucket = TRUNC[query.grain]("placed_at", tzinfo=zoneinfo.ZoneInfo(zone_name)) if query.grain else None
    return grouped(rows, query, dimension_paths(prefix), bucket, zone_name, parts)


def grouped(rows: QuerySet, query: MetricQuery, paths: dict, bucket, zone_name: str, parts: dict):
    """(key, parts) per group of `rows`: the query's dimensions read through `paths`, then the time bucket
    (`bucket`, an expression; None without a grain) as a naive local value in `zone_name`."""
    names = {f"d_{dimension}": paths[dimension] for dimension in query.group_by}
    if bucket is not None:
        names["bucket"] = bucket
    if not names:
        # no group-by and no grain: one total. (`.values()` without names would group by every column, one
        # group per row, and a distinct count such as the cappers' would become a count of rows.)
        yield (), rows.order_by().aggregate(**parts)
        return
    grouped_rows = rows.order_by().annotate(**names).values(*names).annotate(**parts)
    for row in grouped_rows:
        key = [row.pop(f"d_{dimension}") for dimension in query.group_by]
        if bucket is not None:
            key.append(_local_bucket(row.pop("bucket"), query.grain, zone_name))
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
