"""Appending to the units ledger. Callers hold the bet's row lock, so sequences cannot collide."""

from decimal import Decimal

from apps.betting.choices import LedgerKind, LegResult
from apps.betting.models import Bet, LedgerEntry

ZERO = Decimal(0)


def _next_sequence(bet: Bet) -> int:
    last = LedgerEntry.objects.filter(bet=bet).order_by("-sequence").values_list("sequence", flat=True).first()
    return (last or 0) + 1


def settle_entry(*, bet: Bet, result: str, units: Decimal, reason: str = "") -> LedgerEntry:
    """Append the entry of a settlement (auto-grading writes its own in bulk: auto_grading.py)."""
    staked = ZERO if result == LegResult.VOID else bet.stake_units
    return LedgerEntry.objects.create(
        tenant_id=bet.tenant_id,
        capper_id=bet.capper_id,
        bet=bet,
        sequence=_next_sequence(bet),
        kind=LedgerKind.SETTLE,
        result=result,
        record_sign=1,
        units=units,
        staked_units=staked,
        placed_at=bet.placed_at,
        reason=reason[:500],
    )


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
