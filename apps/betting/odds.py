"""Odds maths: pure functions over Decimals, no ORM (property-tested with hypothesis).

American odds: +150 pays 150 per 100 staked, -120 needs 120 staked to win 100; |odds| >= 100.
Decimal odds include the stake: +150 -> 2.5, -120 -> 1.8333…
"""

from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction

from apps.betting.choices import LegResult

HUNDRED = Decimal(100)
ONE = Decimal(1)
UNIT_QUANTUM = Decimal("0.0001")  # ledger precision in units
DECIMAL_ODDS_QUANTUM = Decimal("0.000001")


def format_american(odds: int | str | None) -> str:
    """American odds as people read them, always with their sign: +1387, -110; "–" when there are none.
    Every page (admin, portal) shows odds through this, so a favourite and an underdog never look alike."""
    if odds is None or odds == "":
        return "–"
    return f"{int(odds):+d}"


class InvalidOdds(ValueError):
    """Odds that no book quotes: |American| < 100, or decimal odds not above 1."""


def validate_american(odds: int) -> int:
    if isinstance(odds, bool) or not isinstance(odds, int) or abs(odds) < 100:
        raise InvalidOdds(f"American odds must be an integer of at least +100 or at most -100, got {odds!r}")
    return odds


def american_to_decimal(odds: int) -> Decimal:
    validate_american(odds)
    with localcontext() as context:
        context.prec = 28
        if odds > 0:
            return ONE + Decimal(odds) / HUNDRED
        return ONE + HUNDRED / Decimal(-odds)


def decimal_to_american(decimal_odds: Decimal) -> int:
    """The nearest American odds (rounded half-even to an integer)."""
    if decimal_odds <= ONE:
        raise InvalidOdds(f"Decimal odds must be above 1, got {decimal_odds}")
    if decimal_odds >= 2:
        american = (decimal_odds - ONE) * HUNDRED
    else:
        american = -HUNDRED / (decimal_odds - ONE)
    rounded = int(american.to_integral_value(rounding=ROUND_HALF_EVEN))
    return 100 if rounded == -100 else rounded  # even money is written +100


def implied_probability(odds: int) -> Decimal:
    """The break-even win probability of a price (vig included)."""
    return ONE / american_to_decimal(odds)


def profit_if_won(stake: Decimal, odds: int) -> Decimal:
    """Win pays stake × odds/100 for positive odds and stake × 100/|odds| for negative."""
    return _exact_units(Fraction(stake) * (_exact_decimal(odds) - 1))


def parlay_decimal(leg_odds: Iterable[int]) -> Decimal:
    """A parlay's decimal odds: the product of its legs' decimal odds."""
    product = ONE
    for odds in leg_odds:
        product *= american_to_decimal(odds)
    return product


def combined_result(leg_results: Iterable[str]) -> str:
    """A bet's result from its legs: any lost leg loses; push and void legs drop out.

    Pending if any leg is pending (and none lost); push if every leg pushed or was voided with at least
    one push; void if every leg is void; won otherwise.
    """
    results = list(leg_results)
    if LegResult.LOST in results:
        return LegResult.LOST
    if LegResult.PENDING in results:
        return LegResult.PENDING
    if all(result == LegResult.VOID for result in results):
        return LegResult.VOID
    if all(result in (LegResult.PUSH, LegResult.VOID) for result in results):
        return LegResult.PUSH
    return LegResult.WON


def net_units(stake: Decimal, legs: Iterable[tuple[int, str]]) -> Decimal:
    """Profit (+), loss (−stake) or 0 of a bet whose legs are all graded: (odds, result) pairs."""
    legs = list(legs)
    result = combined_result(result for _, result in legs)
    if result == LegResult.LOST:
        return _units(-stake)
    if result in (LegResult.PUSH, LegResult.VOID):
        return _units(Decimal(0))
    if result == LegResult.PENDING:
        raise ValueError("a bet with pending legs has no net result yet")
    product = Fraction(1)
    for odds, leg_result in legs:
        if leg_result == LegResult.WON:
            product *= _exact_decimal(odds)
    return _exact_units(Fraction(stake) * (product - 1))


def _units(value: Decimal) -> Decimal:
    return value.quantize(UNIT_QUANTUM, rounding=ROUND_HALF_EVEN)


def _exact_decimal(odds: int) -> Fraction:
    # Profit is computed on exact fractions and rounded once: 100/|odds| rounded to 28 digits first
    # can tip an exact half (e.g. 0.03 units at -60000 wins 0.00005) to the wrong side.
    validate_american(odds)
    return 1 + (Fraction(odds, 100) if odds > 0 else Fraction(100, -odds))


def _exact_units(value: Fraction) -> Decimal:
    """An exact value rounded half to even to the ledger's precision (round() on a Fraction is exact)."""
    return Decimal(f"{round(value / Fraction(UNIT_QUANTUM))}E-4")  # a string is converted exactly
