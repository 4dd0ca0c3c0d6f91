"""Rollup maintenance on the hot path: a change's own rows added to the rollup cells in its transaction.

Two changes are applied as deltas, each one set-based statement per rollup table for the whole batch
(on PostgreSQL one statement for all of them), never a query per bet:

* a bulk import (`rollups_add_placed`; single placements are queued, see services/rollups.py): a new
  bet contributed nothing before, so its delta is its whole contribution, computed by the raw
  definition's own SQL (rollup_rows.py) over the new bets only, summed per cell (tenant × capper ×
  league × market × bet type × local day, and local hour for the kept days);
* an auto-grading pass (`rollups_add_graded`): the bets it settled were open (pending 1, no settlement,
  so no grading lag) and it appended one settle entry each, created at the settlement's instant. The delta
  per bet is pending −1, its grading lag by the definition's expression, and that entry's result parts.

Each delta is an INSERT … SELECT … ON CONFLICT DO UPDATE adding the summed parts to the cell (or creating
it), into the daily rows, the three summaries of them and (recent days) the hourly rows.

Everything else (a settlement by hand, a void, a correction, a final or moved game) still queues its bets
for the refresh that recomputes their tenant-days from the raw rows (services/rollups.py), and so does a
delta that cannot be applied: a tenant never built or whose time zone changed (the refresh rebuilds it),
a zone whose hours shift against UTC within the kept days, or any error (the delta runs in a savepoint; a
refresh failing after that marks the tenant stale, and queries read the raw rows). A recomputation is the
definition, so it also repairs whatever a delta it follows got wrong.

Concurrency: a delta writer holds its tenants' `RollupState` rows FOR KEY SHARE (PostgreSQL), the refresh
and the rebuild FOR UPDATE: deltas run side by side (cells are row-locked, in key order, by the upserts),
but never while a refresh or a rebuild rewrites the tenant's days, which then read the raw rows after the
delta's commit. SQLite has one writer at a time.
"""

import functools
import logging
import zoneinfo
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import psycopg
from django.conf import settings
from django.db import connection, transaction
from django.db.models import BooleanField, F, Func, IntegerField, Q, Value

from apps.analytics.models import DailyRollup, HourlyRollup
from apps.analytics.services.rollup_days import hourly_first_day
from apps.analytics.services.rollup_rows import (
    KEYS,
    PARTS,
    SUMMARIES,
    daily_bucket,
    day_bounds,
    hour_offset_minutes,
    hourly_bucket,
    select_sql,
)
from apps.analytics.sources.bets_raw import bet_contributions
from apps.betting.choices import LedgerKind

logger = logging.getLogger(__name__)

SQLITE_CHUNK = 500  # ids per statement on SQLite (bound parameters); deltas add up, so chunks are exact
JIT_OFF_FROM = 200  # bets in a batch from which PostgreSQL's jit is switched off for the statement
PREPARE_NEVER_BY_ITSELF = 2**31 - 1  # psycopg's threshold: statements are prepared only when asked to


def rollups_add_placed(*, bets: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Add new bets (bet id, tenant id) to their rollup cells. Returns the pairs it could not add (the
    caller queues them for the refresh)."""
    return _apply(list(bets), graded=False)


def rollups_add_graded(*, bets: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Add what an auto-grading pass changed of the bets it settled (bet id, tenant id): pending −1, the
    grading lag, the settle entry it appended. Returns the pairs it could not add (to be queued)."""
    return _apply(list(bets), graded=True)


def _apply(pairs: list[tuple[int, int]], *, graded: bool) -> list[tuple[int, int]]:
    if not pairs:
        return []
    by_tenant: dict[int, list[int]] = {}
    for bet_id, tenant_id in pairs:
        by_tenant.setdefault(tenant_id, []).append(bet_id)
    left: list[tuple[int, int]] = []
    try:
        with transaction.atomic():  # a savepoint: a failing delta leaves the change itself alone
            zones = _lock_built(sorted(by_tenant))
            for tenant_id, bet_ids in sorted(by_tenant.items()):
                zone = zones.get(tenant_id)
                if zone is None:
                    left += [(bet_id, tenant_id) for bet_id in bet_ids]
                    continue
                _add(tenant_id, zone, sorted(bet_ids), graded=graded)
    except Exception:  # noqa: BLE001 - the refresh recomputes these bets' days from the raw rows instead
        logger.exception("analytics: rollup delta failed, the bets are queued for the refresh")
        return pairs
    return left


def _lock_built(tenant_ids: list[int]) -> dict[int, zoneinfo.ZoneInfo]:
    """The zones of the tenants whose rollups are built in their current time zone, their state rows
    locked against a refresh or a rebuild (FOR KEY SHARE) until the caller's transaction ends."""
    select = (
        "SELECT s.tenant_id, t.timezone FROM analytics_rollupstate s JOIN tenants_tenant t ON t.id = s.tenant_id "
        "WHERE s.built_at IS NOT NULL AND s.timezone_name = t.timezone AND s.tenant_id"
    )
    if connection.vendor == "postgresql":  # one text for any tenants: prepared like the delta
        rows = _prepared(f"{select} = ANY(%s::bigint[]) ORDER BY s.tenant_id FOR KEY SHARE OF s", [tenant_ids])
    else:
        with connection.cursor() as cursor:
            cursor.execute(f"{select} IN ({', '.join(['%s'] * len(tenant_ids))})", tenant_ids)  # noqa: S608
            rows = cursor.fetchall()
    return {tenant_id: _zone(name) for tenant_id, name in rows}


@functools.cache
def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def _add(tenant_id: int, zone: zoneinfo.ZoneInfo, bet_ids: list[int], *, graded: bool) -> None:
    chunks = [bet_ids] if connection.vendor == "postgresql" else _chunks(bet_ids, SQLITE_CHUNK)
    hours_from = day_bounds(hourly_first_day(zone), zone)[0]
    offset = _steady_offset(zone)
    if offset is None:
        raise ValueError(f"{zone.key}: its hours shift against UTC within the kept days; recomputed instead")
    for chunk in chunks:
        if connection.vendor == "postgresql":
            sql, slots = _compiled(zone, offset, graded=graded)
            values = {"tenant": tenant_id, "ids": chunk, "since": hours_from}
            params = [values[slot.name] if isinstance(slot, _Slot) else slot for slot in slots]
            _upsert_postgresql(sql, params, jit_off=len(chunk) >= JIT_OFF_FROM)
        else:
            daily = _delta_sql(tenant_id, chunk, daily_bucket(zone), graded=graded)
            hourly = _delta_sql(tenant_id, chunk, hourly_bucket(offset), graded=graded, since=hours_from)
            _upsert_sqlite(daily, hourly, graded=graded)


class _Slot:
    """A parameter filled per call in a cached statement (the rest are the definition's constants)."""

    def __init__(self, name: str) -> None:
        self.name = name


_TENANT, _IDS, _SINCE = _Slot("tenant"), _Slot("ids"), _Slot("since")
# sentinels the statement is compiled with once, then found again among its parameters
_SENTINELS = ((-424_242_424, _TENANT), ([-434_343_434], _IDS), (datetime(1970, 1, 2, 3, 4, 5, tzinfo=UTC), _SINCE))
_COMPILED: dict[tuple, tuple[str, list]] = {}


def _same(param, sentinel) -> bool:
    return type(param) is type(sentinel) and param == sentinel


def _compiled(zone: zoneinfo.ZoneInfo, offset: int, *, graded: bool) -> tuple[str, list]:
    """The PostgreSQL statement of a delta for tenants in `zone`, compiled by the ORM once per process (the
    compilation cost more than the statement), with the slots of its per-call parameters."""
    key = (zone.key, offset, graded)
    if key not in _COMPILED:
        tenant, ids, since = (sentinel for sentinel, _ in _SENTINELS)
        daily = _delta_sql(tenant, ids, daily_bucket(zone), graded=graded)
        hourly = _delta_sql(tenant, ids, hourly_bucket(offset), graded=graded, since=since)
        sql = _postgresql_statement(daily[0], hourly[0], graded=graded)
        slots = [
            next((slot for sentinel, slot in _SENTINELS if param == sentinel), param)
            for param in (*daily[1], *hourly[1])
        ]
        _COMPILED[key] = (sql, slots)
    return _COMPILED[key]


def _chunks(ids: list[int], size: int) -> list[list[int]]:
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def _steady_offset(zone: zoneinfo.ZoneInfo) -> int | None:
    """Minutes past the UTC hour the zone's hours start on every kept day (None: it changes in between,
    as on Lord Howe Island's half-hour daylight saving)."""
    return _offset_from(zone, hourly_first_day(zone))


@functools.lru_cache(maxsize=1024)
def _offset_from(zone: zoneinfo.ZoneInfo, first) -> int | None:
    offsets = {
        hour_offset_minutes(zone, first + timedelta(days=day)) for day in range(-1, settings.ANALYTICS_HOURLY_DAYS + 3)
    }
    return offsets.pop() if len(offsets) == 1 else None


class _InArray(Func):
    """`field = ANY(ids)` with the ids as one array parameter (PostgreSQL): not thousands of literals to plan."""

    output_field = BooleanField()

    def __init__(self, field: str, ids: list[int]) -> None:
        super().__init__(F(field))
        self.ids = list(ids)

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"{sql} = ANY(%s::bigint[])", (*params, self.ids)


def _ids_condition(field: str, ids: list[int]) -> Q:
    if connection.vendor == "postgresql":
        return Q(_InArray(field, ids))
    return Q(**{f"{field}__in": ids})


def _delta_sql(tenant_id: int, ids: list[int], bucket, *, graded: bool, since=None) -> tuple[str, tuple]:
    """The SELECT of the cells' deltas: keys, bucket, then the parts in PARTS order (rollup_rows.py)."""

    def where(prefix: str) -> Q:
        condition = Q(**{f"{prefix}tenant_id": tenant_id}) & _ids_condition(f"{prefix}id", ids)
        if since is not None:
            condition &= Q(**{f"{prefix}placed_at__gte": since})
        return condition

    if not graded:
        return select_sql(where, bucket, entries=_entries_of(tenant_id, ids, since))
    contributions = bet_contributions()
    zero = Value(0, output_field=IntegerField())
    contributions.update(
        bets=zero, stake=zero, odds_sum=zero, parlays=zero, pending=contributions["pending"] - Value(1)
    )
    # the settle entry the pass appended: created at the bet's settlement instant (older entries are older)
    entries = _entries_of(tenant_id, ids, since) & Q(kind=LedgerKind.SETTLE, created_at=F("bet__settled_at"))
    return select_sql(where, bucket, entries=entries, contributions=contributions)


def _entries_of(tenant_id: int, ids: list[int], since) -> Q:
    condition = Q(tenant_id=tenant_id) & _ids_condition("bet_id", ids)
    return condition & Q(placed_at__gte=since) if since is not None else condition


class CellMissing(Exception):
    """A settlement's delta found no cell to subtract its pending bet from: the rollups did not hold the
    bet (its placement waits in the queue, or they were never built with it). The refresh recomputes."""


def _sum_sets(table: str, other: str) -> str:
    """SET each part to the cell's plus the delta's (an empty lag is 0)."""
    quote = connection.ops.quote_name
    sets = []
    for part in PARTS:
        mine, theirs = f"{table}.{quote(part)}", f"{other}.{quote(part)}"
        added = f"COALESCE({mine} + {theirs}, {mine}, {theirs})" if part == "lag_sum" else f"{mine} + {theirs}"
        sets.append(f"{quote(part)} = {added}")
    return ", ".join(sets)


# each table's key columns (the unique index's, the league's NULL being one key)
TABLE_KEYS = {
    DailyRollup: (*KEYS, "day"),
    HourlyRollup: (*KEYS, "hour"),
    **{model: ("tenant_id", "day", *extra) for model, extra in SUMMARIES.items()},
}
_LEAGUE = "COALESCE(league_id, 0)"


def _target(keys: tuple[str, ...]) -> str:
    return ", ".join(_LEAGUE if key == "league_id" else key for key in keys)


def _add_sql(model, source: str, *, graded: bool) -> str:
    """Add the delta rows of `source` (a table or subquery named d: the key columns, then PARTS) to `model`.

    New bets (an INSERT … ON CONFLICT DO UPDATE, in key order so that concurrent writers lock cells alike):
    a cell is created or added to. A settlement (an UPDATE … FROM): its cells exist (its bets were counted
    when placed), and a row proposed with pending −1 would fail the column's check anyway."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    keys = TABLE_KEYS[model]
    if graded:
        matches = " AND ".join(
            f"COALESCE(t.{quote(key)}, 0) = COALESCE(d.{quote(key)}, 0)" if key == "league_id"
            else f"t.{quote(key)} = d.{quote(key)}"
            for key in keys
        )  # fmt: skip
        return f"UPDATE {table} AS t SET {_sum_sets('t', 'd')} FROM {source} WHERE {matches}"  # noqa: S608 - names only
    columns = ", ".join(quote(name) for name in (*keys, *PARTS))
    return (
        f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {source} WHERE true "  # noqa: S608 - names only
        f"ORDER BY {', '.join(quote(name) for name in keys)} "
        f"ON CONFLICT ({_target(keys)}) DO UPDATE SET {_sum_sets(table, 'excluded')}"
    )


def _summed(model, source: str) -> str:
    """The daily deltas of `source` summed per the summary's key (a subquery named d)."""
    quote = connection.ops.quote_name
    key_list = ", ".join(quote(name) for name in TABLE_KEYS[model])
    sums = ", ".join(f"SUM({quote(part)}) AS {quote(part)}" for part in PARTS)
    return f"(SELECT {key_list}, {sums} FROM {source} GROUP BY {key_list}) d"  # noqa: S608 - names only


def _sources(daily: str, hourly: str) -> list[tuple[type, str]]:
    """(table, its delta rows) for the five tables, in a fixed order."""
    return [(DailyRollup, daily), *((model, _summed(model, daily)) for model in SUMMARIES), (HourlyRollup, hourly)]


def _as_cells(select: str, time_column: str) -> str:
    """The delta SELECT (select_sql: columns named as the rollup table's, the time as "bucket")."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(name) for name in (*KEYS, "bucket", *PARTS)).replace(
        quote("bucket"), f"{quote('bucket')} AS {quote(time_column)}"
    )
    return f"SELECT {names} FROM ({select}) cells"  # noqa: S608 - names only


def _postgresql_statement(daily: str, hourly: str, *, graded: bool) -> str:
    """One statement: the deltas computed once (CTEs), added to the five tables; it returns the cells it
    changed and the cells it had to change (for a settlement they must agree)."""
    daily_cte = f"daily_delta AS ({_as_cells(daily, 'day')})"
    hourly_cte = f"hourly_delta AS ({_as_cells(hourly, 'hour')})"
    sources = _sources("daily_delta d", "hourly_delta d")
    writes = ", ".join(
        f"w{number} AS ({_add_sql(model, source, graded=graded)} RETURNING 1)"
        for number, (model, source) in enumerate(sources)
    )
    found = " + ".join(f"(SELECT count(*) FROM w{number})" for number in range(len(sources)))  # noqa: S608
    wanted = " + ".join(f"(SELECT count(*) FROM {source})" for _, source in sources)  # noqa: S608 - names only
    return f"WITH {daily_cte}, {hourly_cte}, {writes} SELECT {found}, {wanted}"  # noqa: S608 - names only


def _prepared(sql: str, params: list, *, prepare: bool = True) -> list[tuple]:
    """Run `sql` on a server-side binding cursor of the change's own connection (same transaction),
    prepared: PostgreSQL plans it once per connection. Django's own cursors bind client-side and never
    prepare (and Django turns psycopg's automatic preparing off: here it is asked for, statement by
    statement)."""
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        raw.prepare_threshold = PREPARE_NEVER_BY_ITSELF
    with psycopg.Cursor(raw) as cursor:
        cursor.execute(sql, params, prepare=prepare)
        return cursor.fetchall()


def _upsert_postgresql(sql: str, params: list, *, jit_off: bool) -> None:
    """On a server-side binding cursor of the change's own connection (same transaction), prepared: the
    same text every call (`_compiled`), so PostgreSQL plans it once per connection, not per placement
    (planning cost more than running it). Django's own cursors bind client-side and never prepare."""
    if jit_off:  # a grading pass's estimate passes jit_above_cost: compiling took longer than the statement
        before = _prepared("SELECT current_setting('jit'), set_config('jit', 'off', true)", [])[0][0]
    changed, cells = _prepared(sql, params, prepare=not jit_off)[0]
    if jit_off:
        _prepared("SELECT set_config('jit', %s, true)", [before])
    if changed != cells:
        raise CellMissing(f"{cells - changed} of {cells} rollup cells missing")


def _upsert_sqlite(daily: tuple[str, tuple], hourly: tuple[str, tuple], *, graded: bool) -> None:
    """SQLite has no writing CTEs: the deltas go through temporary tables."""
    with connection.cursor() as cursor:
        for name, (select, params), column in (("daily", daily, "day"), ("hourly", hourly, "hour")):
            cursor.execute(f"DROP TABLE IF EXISTS temp.rollup_{name}_delta")
            cursor.execute(f"CREATE TEMPORARY TABLE rollup_{name}_delta AS {_as_cells(select, column)}", params)  # noqa: S608
        for model, source in _sources("temp.rollup_daily_delta d", "temp.rollup_hourly_delta d"):
            cursor.execute(_add_sql(model, source, graded=graded))
            changed = cursor.rowcount
            cursor.execute(f"SELECT count(*) FROM {source}")  # noqa: S608 - names only
            cells = cursor.fetchone()[0]
            if graded and changed != cells:
                raise CellMissing(f"{cells - changed} of {cells} {model.__name__} cells missing")
        for name in ("daily", "hourly"):
            cursor.execute(f"DROP TABLE temp.rollup_{name}_delta")
