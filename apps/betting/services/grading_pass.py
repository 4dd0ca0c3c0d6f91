"""One auto-grading pass over many games in the database: temporary tables and set-based statements.

Nothing proportional to the number of legs or bets crosses to Python except the list of settled bets
(for the audit events and the `bet_settled` signal). The rules stay in Python and are applied to the
few distinct cases: a leg's result depends only on (game, market, selection, line), so `grade_leg`
runs once per distinct key; a bet's settlement only on (stake, its legs' odds and results), so
`combined_result` and `net_units` run once per distinct pair. Each result goes back to the
database and is joined onto every leg or bet it applies to. Ledger entries are appended by the ledger
service's set-based statement (services/ledger.py).

Portable between PostgreSQL and SQLite (3.33+: UPDATE … FROM); only the row locks (PostgreSQL) and
the aggregate that lists a bet's legs differ. The tables live for one pass, in its transaction.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection

from apps.betting.choices import OPEN_BET_STATUSES, BetStatus, LegResult, SettlementSource
from apps.betting.models import Bet, BetLeg
from apps.betting.odds import combined_result, net_units
from apps.betting.services.ledger import settle_entries_params, settle_entries_sql

ROWS_PER_INSERT = 500
SETTLED_BY = "auto-grading"

_TABLES = {
    "grading_game": "game_id bigint NOT NULL, cancelled boolean NOT NULL",
    "grading_bet": "bet_id bigint NOT NULL, tenant_id bigint NOT NULL, stake numeric(8, 2) NOT NULL",
    "grading_leg": "leg_id bigint NOT NULL, bet_id bigint NOT NULL, game_id bigint NOT NULL, "
    "market varchar(16) NOT NULL, selection varchar(200) NOT NULL, line numeric(7, 2)",
    "grading_key": "leg_id bigint NOT NULL, game_id bigint NOT NULL, market varchar(16) NOT NULL, "
    "selection varchar(200) NOT NULL, line numeric(7, 2)",
    "grading_key_result": "leg_id bigint NOT NULL, result varchar(8) NOT NULL",
    "grading_settle": "bet_id bigint NOT NULL, tenant_id bigint NOT NULL, stake numeric(8, 2) NOT NULL, legs text",
    "grading_outcome": "bet_id bigint NOT NULL, stake numeric(8, 2) NOT NULL, legs text",
    "grading_outcome_result": "bet_id bigint NOT NULL, status varchar(16) NOT NULL, net numeric(18, 4) NOT NULL",
    "grading_partly": "bet_id bigint NOT NULL",
}
# a grading key: same game, market and selection, and the same line (both NULL for moneylines and props)
_SAME_KEY = (
    "k.game_id = l.game_id AND k.market = l.market AND k.selection = l.selection "
    "AND (k.line = l.line OR (k.line IS NULL AND l.line IS NULL))"
)

# (game id, market, selection, line) -> the leg's result, or None when a score cannot grade it (props)
LegGrader = Callable[[int, str, str, Decimal | None], str | None]


@dataclass(frozen=True)
class PassResult:
    legs_by_game: dict[int, int]  # game id -> legs graded
    settled: dict[int, tuple[int, int]]  # bet id -> (tenant id, the game it settled on)
    partly_graded_tenants: set[int]  # tenants of bets with a leg graded but a leg still pending


def _execute(sql: str, params: Sequence | dict | None = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def _insert_rows(table: str, columns: str, rows: list[tuple]) -> None:
    """Rows from Python into a temporary table: COPY on PostgreSQL, multi-row INSERTs elsewhere."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    for start in range(0, len(rows), ROWS_PER_INSERT):
        batch = rows[start : start + ROWS_PER_INSERT]
        values = ", ".join(["(" + ", ".join(["%s"] * len(batch[0])) + ")"] * len(batch))
        _execute(f"INSERT INTO {table} ({columns}) VALUES {values}", [value for row in batch for value in row])  # noqa: S608 - placeholders only


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _analyze(*tables: str) -> None:
    if connection.vendor == "postgresql":  # temporary tables get no statistics otherwise
        _execute(f"ANALYZE {', '.join(tables)}")


class GradingTables:
    """The pass's temporary tables: created on enter, dropped on exit (also when a pass runs again in
    the same transaction, as `game_grade` for several games does)."""

    def __enter__(self) -> "GradingTables":
        for name, columns in _TABLES.items():
            _execute(f"DROP TABLE IF EXISTS {name}")
            _execute(f"CREATE TEMPORARY TABLE {name} ({columns})")
        return self

    def __exit__(self, *exc_info) -> None:
        if exc_info[0] is None:  # on an error the transaction (or savepoint) is rolled back anyway
            for name in _TABLES:
                _execute(f"DROP TABLE {name}")


def grade_pass(*, games: dict[int, bool], grade: LegGrader, now) -> PassResult:
    """Grade the pending legs of `games` ({game id: cancelled}), locked by the caller, in id order.

    Locks the open bets with a pending leg on them (in id order), writes the legs' results, settles the
    bets left with no pending leg and appends their ledger entries, and touches the rest of the bets
    whose legs changed. Call inside a transaction and a `GradingTables` block.
    """
    _insert_rows("grading_game", "game_id, cancelled", sorted(games.items()))
    _lock_open_bets()
    _collect_pending_legs()
    _grade_keys(grade)
    _write_leg_results(now)
    legs_by_game = dict(_execute("SELECT game_id, COUNT(*) FROM grading_leg GROUP BY game_id"))
    settled = _settle_complete_bets(now)
    return PassResult(legs_by_game=legs_by_game, settled=settled, partly_graded_tenants=_touch_partly_graded(now))


def _lock_open_bets() -> None:
    lock = " ORDER BY b.id FOR UPDATE OF b" if connection.features.has_select_for_update_of else ""
    placeholders = ", ".join(["%s"] * len(OPEN_BET_STATUSES))
    _execute(
        f"INSERT INTO grading_bet (bet_id, tenant_id, stake) SELECT b.id, b.tenant_id, b.stake_units "  # noqa: S608 - placeholders only
        f"FROM {_table(Bet)} b WHERE b.status IN ({placeholders}) AND b.id IN (SELECT l.bet_id "
        f"FROM {_table(BetLeg)} l JOIN grading_game g ON g.game_id = l.game_id WHERE l.result = %s){lock}",
        [*(str(status) for status in OPEN_BET_STATUSES), LegResult.PENDING.value],
    )
    _analyze("grading_bet")


def _collect_pending_legs() -> None:
    # read after the bets are locked: a settlement this pass queued behind may have graded a leg by
    # hand, and that grade stands (the caller flags it if the score disagrees)
    _execute(
        f"INSERT INTO grading_leg (leg_id, bet_id, game_id, market, selection, line) "  # noqa: S608 - placeholders only
        f"SELECT l.id, l.bet_id, l.game_id, l.market, l.selection, l.line FROM {_table(BetLeg)} l "
        f"JOIN grading_game g ON g.game_id = l.game_id JOIN grading_bet b ON b.bet_id = l.bet_id "
        f"WHERE l.result = %s ORDER BY l.id",  # the UPDATE of the legs then walks the table in order
        [LegResult.PENDING.value],
    )
    _execute(
        "INSERT INTO grading_key (leg_id, game_id, market, selection, line) "
        "SELECT MIN(leg_id), game_id, market, selection, line FROM grading_leg "
        "GROUP BY game_id, market, selection, line"
    )
    _analyze("grading_leg", "grading_key")


def _grade_keys(grade: LegGrader) -> None:
    results = []
    # the line as text: a Decimal on every backend (SQLite hands numerics back as floats)
    for leg_id, game_id, market, selection, line in _execute(
        "SELECT leg_id, game_id, market, selection, CAST(line AS TEXT) FROM grading_key"
    ):
        result = grade(game_id, market, selection, None if line is None else Decimal(line))
        if result is not None:
            results.append((leg_id, str(result)))
    _insert_rows("grading_key_result", "leg_id, result", results)
    # the keys a score cannot grade (props) go, and with them their legs: what is left is graded now
    _execute("DELETE FROM grading_key WHERE leg_id NOT IN (SELECT leg_id FROM grading_key_result)")
    _execute(f"DELETE FROM grading_leg AS l WHERE NOT EXISTS (SELECT 1 FROM grading_key k WHERE {_SAME_KEY})")  # noqa: S608
    _analyze("grading_key_result")


def _write_leg_results(now) -> None:
    legs = _table(BetLeg)
    _execute(
        f"UPDATE {legs} SET result = r.result, graded_at = %s, graded_source = %s "  # noqa: S608 - placeholders only
        f"FROM grading_leg l JOIN grading_key k ON {_SAME_KEY} JOIN grading_key_result r ON r.leg_id = k.leg_id "
        f"WHERE {legs}.id = l.leg_id",
        [now, SettlementSource.AUTO.value],
    )


def _legs_aggregate() -> str:
    legs = "CAST(l.odds AS TEXT) || ' ' || l.result"
    return f"string_agg({legs}, ',')" if connection.vendor == "postgresql" else f"group_concat({legs}, ',')"


def _settle_complete_bets(now) -> dict[int, tuple[int, int]]:
    """Settle the graded bets with no pending leg left; {bet id: (tenant id, game it settled on)}."""
    _execute(
        f"INSERT INTO grading_settle (bet_id, tenant_id, stake, legs) "  # noqa: S608 - placeholders only
        f"SELECT b.bet_id, b.tenant_id, b.stake, {_legs_aggregate()} FROM grading_bet b "
        f"JOIN {_table(BetLeg)} l ON l.bet_id = b.bet_id WHERE b.bet_id IN (SELECT bet_id FROM grading_leg) "
        f"GROUP BY b.bet_id, b.tenant_id, b.stake HAVING SUM(CASE WHEN l.result = %s THEN 1 ELSE 0 END) = 0",
        [LegResult.PENDING.value],
    )
    _execute(
        "INSERT INTO grading_outcome (bet_id, stake, legs) SELECT MIN(bet_id), stake, legs FROM grading_settle "
        "GROUP BY stake, legs"
    )
    _analyze("grading_settle", "grading_outcome")
    outcomes = []
    for bet_id, stake, legs in _execute("SELECT bet_id, CAST(stake AS TEXT), legs FROM grading_outcome"):
        status, net = bet_outcome(Decimal(stake), _parse_legs(legs))
        outcomes.append((bet_id, status, net))
    _insert_rows("grading_outcome_result", "bet_id, status, net", outcomes)
    _analyze("grading_outcome_result")
    bets = _table(Bet)
    _execute(
        f"UPDATE {bets} SET status = r.status, net_units = r.net, settled_at = %s, settlement_source = %s, "  # noqa: S608 - placeholders only
        f"settled_by = %s, updated_at = %s FROM grading_settle s JOIN grading_outcome o "
        f"ON o.stake = s.stake AND o.legs = s.legs JOIN grading_outcome_result r ON r.bet_id = o.bet_id "
        f"WHERE {bets}.id = s.bet_id",
        [now, SettlementSource.AUTO.value, SETTLED_BY, now],
    )
    _execute(
        settle_entries_sql(bets_where="b.id IN (SELECT bet_id FROM grading_settle)"), settle_entries_params(now=now)
    )
    # a bet settles on the game that graded its last pending leg: of several in one pass, the highest id
    rows = _execute(
        "SELECT s.bet_id, s.tenant_id, MAX(l.game_id) FROM grading_settle s JOIN grading_leg l ON l.bet_id = s.bet_id "
        "GROUP BY s.bet_id, s.tenant_id"
    )
    return {bet_id: (tenant_id, game_id) for bet_id, tenant_id, game_id in rows}


def bet_outcome(stake: Decimal, legs: list[tuple[int, str]]) -> tuple[str, Decimal]:
    """A bet's status and net units from its stake and its graded legs' (odds, result)."""
    return BetStatus(combined_result(result for _, result in legs)).value, net_units(stake, legs)


def _parse_legs(legs: str) -> list[tuple[int, str]]:
    pairs = (leg.split(" ") for leg in legs.split(","))
    return [(int(odds), result) for odds, result in pairs]


def _touch_partly_graded(now) -> set[int]:
    """Bets with a leg graded but another still pending: their legs changed, so must their ETags."""
    _execute(
        "INSERT INTO grading_partly (bet_id) SELECT DISTINCT l.bet_id FROM grading_leg l "
        "WHERE NOT EXISTS (SELECT 1 FROM grading_settle s WHERE s.bet_id = l.bet_id)"
    )
    tenants = _execute("SELECT DISTINCT b.tenant_id FROM grading_bet b JOIN grading_partly p ON p.bet_id = b.bet_id")
    if tenants:
        _execute(f"UPDATE {_table(Bet)} SET updated_at = %s WHERE id IN (SELECT bet_id FROM grading_partly)", [now])  # noqa: S608
    return {tenant_id for (tenant_id,) in tenants}
