"""Grading one leg from a final score (pure; props are graded by people, never here)."""

from collections.abc import Mapping
from decimal import Decimal

from apps.betting.choices import LegResult, Market, Selection


def _compare(value: Decimal) -> str:
    if value > 0:
        return LegResult.WON
    if value < 0:
        return LegResult.LOST
    return LegResult.PUSH


def grade_leg(*, market: str, selection: str, line: Decimal | None, home_score: int, away_score: int) -> str | None:
    """The leg's result, or None when the market cannot be graded from a score (props).

    Moneyline: a tie pushes. Spread: the line is added to the selected side (half lines never push,
    whole lines push on the number). Total: over/under the line, pushing on the number.
    """
    if market == Market.MONEYLINE:
        margin = home_score - away_score if selection == Selection.HOME else away_score - home_score
        return _compare(Decimal(margin))
    if market == Market.SPREAD:
        own, other = (home_score, away_score) if selection == Selection.HOME else (away_score, home_score)
        return _compare(Decimal(own) + line - Decimal(other))
    if market == Market.TOTAL:
        difference = Decimal(home_score + away_score) - line
        return _compare(difference if selection == Selection.OVER else -difference)
    return None


def grade_leg_row(leg: Mapping, *, home_score: int, away_score: int) -> str | None:
    """`grade_leg` of a leg read as a row (with its "market", "selection" and "line")."""
    return grade_leg(
        market=leg["market"],
        selection=leg["selection"],
        line=leg["line"],
        home_score=home_score,
        away_score=away_score,
    )
