"""Appending to the units ledger: the one writer of ledger rows. Callers hold the bets' row locks, so
sequences cannot collide.

A settle entry is derived from the settled bet row itself (status, net units, stake, placement time), so
one definition (`SETTLE_ENTRY_COLUMNS` / `_SETTLE_SELECT`) serves a single settlement (`settle_entry`)
and a whole grading pass (`settle_entries_append`, one INSERT … SELECT per batch instead of a model
instance per entry: 10,000 of them cost about half a second of Python).
"""

from collections.abc import Sequence
from datetime import datetime

from django.db import connection
from django.utils import timezone

from apps.betting.choices import BetStatus, LedgerKind
from apps.betting.models import Bet, LedgerEntry

BULK_BATCH = 2000

# The columns of a settle entry and, in the same order, how each is read from the settled bet row `b`:
# net units, the stake (0 for a void) and the bet's placement time; the sequence continues the bet's
# own (1 for a bet never settled before).
_SETTLE_SELECT: dict[str, str] = {
    "tenant_id": "b.tenant_id",
    "capper_id": "b.capper_id",
    "bet_id": "b.id",
    "sequence": "COALESCE((SELECT MAX(l.sequence) FROM {ledger} l WHERE l.bet_id = b.id), 0) + 1",
    "kind": "%(kind)s",
    "result": "b.status",
    "record_sign": "1",
    "units": "b.net_units",
    "staked_units": "CASE WHEN b.status = %(void)s THEN 0 ELSE b.stake_units END",
    "placed_at": "b.placed_at",
    "created_at": "%(now)s",
    "reason": "%(reason)s",
}
SETTLE_ENTRY_COLUMNS: tuple[str, ...] = tuple(_SETTLE_SELECT)


def settle_entries_sql(*, bets_where: str) -> str:
    """The INSERT … SELECT appending the settle entry of every bet row `b` matching `bets_where`.

    `bets_where` is SQL over the alias `b` (e.g. `b.id IN (…)` or `b.id IN (SELECT …)`), with its own
    `%(name)s` parameters; the statement also takes `kind`, `void`, `now` and `reason` (see
    `settle_entries_params`). The bets must already carry their final status and net units.
    """
    ledger = connection.ops.quote_name(LedgerEntry._meta.db_table)
    bets = connection.ops.quote_name(Bet._meta.db_table)
    columns = ", ".join(SETTLE_ENTRY_COLUMNS)
    select = ", ".join(expression.format(ledger=ledger) for expression in _SETTLE_SELECT.values())
    return f"INSERT INTO {ledger} ({columns}) SELECT {select} FROM {bets} b WHERE {bets_where}"  # noqa: S608 - SQL fragments, values are parameters


def settle_entries_params(*, now: datetime, reason: str = "") -> dict[str, object]:
    return {"kind": LedgerKind.SETTLE.value, "void": BetStatus.VOID.value, "now": now, "reason": reason[:500]}


def settle_entries_append(*, bet_ids: Sequence[int], now: datetime, reason: str = "") -> None:
    """Append the settle entry of each just-settled bet (already locked), in batches."""
    for start in range(0, len(bet_ids), BULK_BATCH):
        batch = list(bet_ids[start : start + BULK_BATCH])
        ids = {f"bet{index}": bet_id for index, bet_id in enumerate(batch)}
        placeholders = ", ".join(f"%({name})s" for name in ids)
        with connection.cursor() as cursor:
            cursor.execute(
                settle_entries_sql(bets_where=f"b.id IN ({placeholders})"),
                {**settle_entries_params(now=now, reason=reason), **ids},
            )


def settle_entry(*, bet: Bet, reason: str = "") -> LedgerEntry:
    """Append the settle entry of one bet, whose settlement (status, net units) is already saved."""
    settle_entries_append(bet_ids=[bet.pk], now=timezone.now(), reason=reason)
    return LedgerEntry.objects.filter(bet=bet).order_by("-sequence").first()


def reverse_current(*, bet: Bet, reason: str) -> LedgerEntry | None:
    """Append the reversal of the bet's standing settlement (if it has one)."""
    last = LedgerEntry.objects.filter(bet=bet).order_by("-sequence").first()
    if last is None or last.kind != LedgerKind.SETTLE:
        return None
    return LedgerEntry.objects.create(
        tenant_id=bet.tenant_id,
        capper_id=bet.capper_id,
        bet=bet,
        sequence=last.sequence + 1,
        kind=LedgerKind.REVERSE,
        result=last.result,
        record_sign=-1,
        units=-last.units,
        staked_units=-last.staked_units,
        placed_at=bet.placed_at,
        reason=reason[:500],
    )
