"""Rollup rows recomputed from the raw rows, set-based: one INSERT … SELECT per statement, never a row
through Python.

The SELECT is made of the raw definition's own pieces (sources/bets_raw.py), compiled by the ORM for
whichever database is in use: the bets `bet_rows` selects, each with its rollup key (`key_paths`), its time
bucket and its contribution to each placement part (`bet_contributions`), joined to the `ledger_parts` of
its ledger rows summed per bet, then summed per key and bucket. A bet's key is worked out once (the
ledger's parts ride on their bet's row), and the lag subquery of a parlay runs once per bet. The same SQL
runs on PostgreSQL and on SQLite (the embedded configuration).
"""

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection
from django.db.models import DateTimeField, ExpressionWrapper, F, Q, Sum, Value
from django.db.models.functions import TruncDate, TruncHour

from apps.analytics.models import CapperDayRollup, DailyRollup, HourlyRollup, MarketDayRollup, TenantDayRollup
from apps.analytics.sources.bets_raw import Where, bet_contributions, bet_rows, key_paths, ledger_parts
from apps.betting.models import LedgerEntry

KEYS = ("tenant_id", "capper_id", "league_id", "market", "bet_type")
# the rollup columns of the bet side (raw name -> column) and of the ledger side
BET_COLUMNS = {
    "bets": "bets",
    "stake": "stake",
    "odds_sum": "odds_sum",
    "parlays": "parlays",
    "pending": "pending",
    "lag_total": "lag_sum",
    "lag_count": "lag_count",
}
LEDGER_COLUMNS = {name: name for name in ("won", "lost", "push", "void", "staked", "net")}


def day_bounds(day: date, zone: zoneinfo.ZoneInfo) -> tuple[datetime, datetime]:
    """The instants a local day starts and ends (23 or 25 hours on a daylight-saving change)."""
    following = day + timedelta(days=1)
    return datetime.combine(day, time.min, tzinfo=zone), datetime.combine(following, time.min, tzinfo=zone)


def hour_offset_minutes(zone: zoneinfo.ZoneInfo, day: date) -> int:
    """Minutes past the UTC hour at which the zone's local hours start that day (30 in India, 45 in Nepal)."""
    offset = datetime.combine(day, time(12), tzinfo=zone).utcoffset() or timedelta()
    return int(offset.total_seconds() // 60) % 60


def daily_bucket(zone: zoneinfo.ZoneInfo):
    """The local day a bet (or its ledger row) was placed on."""
    return TruncDate("placed_at", tzinfo=zone)


def hourly_bucket(offset_minutes: int):
    """The instant the local hour of the placement starts, for a zone whose hours start `offset_minutes`
    past the UTC hour: exact across daylight-saving changes (the instant itself is truncated)."""
    if not offset_minutes:
        return TruncHour("placed_at", tzinfo=UTC)
    shift = Value(timedelta(minutes=offset_minutes))
    shifted = ExpressionWrapper(F("placed_at") + shift, output_field=DateTimeField())
    return ExpressionWrapper(TruncHour(shifted, tzinfo=UTC) - shift, output_field=DateTimeField())


def insert_rows(model: type[DailyRollup | HourlyRollup], *, where: Where, bucket, bulk: bool = False) -> int:
    """Insert the rollup rows of the bets `where` selects (and of their ledger rows), bucketed by `bucket`.

    The caller deleted the rows these bets' keys had (the same tenants and time range), in the same
    transaction. Returns the rows inserted. `bulk` (a rebuild): on PostgreSQL the rows are first
    selected into a temporary table, which PostgreSQL may compute with parallel workers (an INSERT …
    SELECT never runs in parallel there).
    """
    quote = connection.ops.quote_name
    select, params = select_sql(where, bucket)
    time_column = "day" if model is DailyRollup else "hour"
    columns = ", ".join(quote(name) for name in (*KEYS, time_column, *PARTS))
    table = quote(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and connection.in_atomic_block:
            # the correlated lag subquery lifts the estimate past jit_above_cost: compiling took seconds
            # for statements that run in a fraction of one (bench/analytics.py)
            cursor.execute("SET LOCAL jit = off")
        if not (bulk and connection.vendor == "postgresql"):
            cursor.execute(f"INSERT INTO {table} ({columns}) {select}", params)  # noqa: S608 - see select_sql
            return cursor.rowcount
        cursor.execute(f"CREATE TEMPORARY TABLE rollup_rebuilt ({columns}) AS {select}", params)  # noqa: S608
        cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM rollup_rebuilt")  # noqa: S608
        inserted = cursor.rowcount
        cursor.execute("DROP TABLE rollup_rebuilt")
        return inserted


PARTS = (*BET_COLUMNS.values(), *LEDGER_COLUMNS.values())


def select_sql(
    where: Where, bucket, *, entries: Q | None = None, contributions: dict | None = None
) -> tuple[str, tuple]:
    """The SELECT of the rollup rows: keys, `bucket`, then the parts in PARTS order, each named as its column.

    `entries` narrows the ledger rows otherwise taken by `where` (their copied tenant and placement time);
    `contributions` replaces what each bet adds (`bet_contributions`, same names): both for a delta
    (services/rollup_deltas.py)."""
    quote = connection.ops.quote_name
    keys = {f"k_{name}": expression for name, expression in key_paths("").items()}
    contributions = {f"c_{name}": expression for name, expression in (contributions or bet_contributions()).items()}
    per_bet = bet_rows(where).order_by().annotate(**keys, k_bucket=bucket, **contributions)
    bet_sql, bet_params = per_bet.values("id", *keys, "k_bucket", *contributions).query.sql_with_params()
    entries = where("") if entries is None else entries
    per_entry = LedgerEntry.objects.filter(entries).order_by().values("bet_id").annotate(**ledger_parts())
    ledger_sql, ledger_params = per_entry.query.sql_with_params()
    key_columns = ", ".join(f"bet.{quote(f'k_{name}')}" for name in (*KEYS, "bucket"))
    named_keys = ", ".join(f"bet.{quote(f'k_{name}')} AS {quote(name)}" for name in (*KEYS, "bucket"))
    sums = [f"SUM(bet.{quote(f'c_{name}')}) AS {quote(column)}" for name, column in BET_COLUMNS.items()]
    sums += [f"COALESCE(SUM(ledger.{quote(name)}), 0) AS {quote(column)}" for name, column in LEDGER_COLUMNS.items()]
    sql = (
        f"SELECT {named_keys}, {', '.join(sums)} FROM ({bet_sql}) bet "  # noqa: S608 - ORM-compiled SQL
        f"LEFT JOIN ({ledger_sql}) ledger ON ledger.{quote('bet_id')} = bet.{quote('id')} "
        f"GROUP BY {key_columns}"
    )
    return sql, (*bet_params, *ledger_params)


# the summaries of the daily rows: each model's key besides (tenant, day)
SUMMARIES = {
    TenantDayRollup: (),
    CapperDayRollup: ("capper_id",),
    MarketDayRollup: ("league_id", "market", "bet_type"),
}


def insert_summaries(*, where: Q) -> int:
    """Insert the summary rows (SUMMARIES) of the daily rows `where` selects, one INSERT … SELECT each; the
    caller deleted the summary rows of those tenant-days, in the same transaction."""
    return sum(insert_summed(model, where=where) for model in SUMMARIES)


def insert_summed(model, *, where: Q) -> int:
    """Insert `model`'s rows of the daily rows `where` selects: their parts summed per tenant, day and the
    model's key."""
    quote = connection.ops.quote_name
    keys = ("tenant_id", "day", *SUMMARIES[model])
    daily = DailyRollup.objects.filter(where).order_by().values(*keys)
    sql, params = daily.annotate(**{f"summed_{part}": Sum(part) for part in PARTS}).query.sql_with_params()
    columns = ", ".join(quote(name) for name in (*keys, *PARTS))
    summed = ", ".join(quote(name) for name in (*keys, *(f"summed_{part}" for part in PARTS)))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(model._meta.db_table)} ({columns}) SELECT {summed} FROM ({sql}) days",  # noqa: S608
            params,
        )
        return cursor.rowcount
