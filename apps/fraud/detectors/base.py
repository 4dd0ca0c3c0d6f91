"""What every detector shares: the finding it returns, the statistics it tests with, the rows it reads.

A detector is pure-ish: a queryset of bets in, findings out. It reads only the columns it needs
(`values_list`, vectorized with numpy where it counts), writes nothing, and explains each finding
with the bets, games and numbers behind it; the scan (apps/fraud/services/scan.py) turns findings
into cases.
"""

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import Min, QuerySet
from scipy.stats import norm

from apps.betting.choices import BetStatus
from apps.betting.models import Bet, BetLeg

EXACT_TEST_MAX_BETS = 400  # an exact Poisson-binomial tail up to here, a normal approximation beyond
EVIDENCE_LIMIT = 25  # bets, games or pairs listed in one finding's evidence


@dataclass(frozen=True)
class Finding:
    """One detection: the cappers involved, a 0–1 score, a one-line explanation and the evidence."""

    kind: str
    capper_ids: tuple[int, ...]
    score: float
    explanation: str
    evidence: dict[str, Any] = field(default_factory=dict)


def threshold(name: str) -> Any:
    """A detector threshold from settings.FRAUD_THRESHOLDS (dbsbm/settings/components/fraud.py)."""
    return settings.FRAUD_THRESHOLDS[name]


def implied_probabilities(decimal_odds: np.ndarray) -> np.ndarray:
    """Break-even win probability of each price, vig included (betting.odds.implied_probability, vectorized).

    A parlay's decimal odds are the product of its legs', so this is the product of their probabilities.
    """
    return 1.0 / decimal_odds.astype(float)


def poisson_binomial_tail(wins: int, probabilities: np.ndarray) -> float:
    """P(X >= wins) for a sum of independent Bernoulli trials with these probabilities.

    Exact (dynamic programming over the count) for up to EXACT_TEST_MAX_BETS trials; beyond that the
    normal approximation with continuity correction, which is accurate there for these probabilities.
    """
    count = len(probabilities)
    if wins <= 0:
        return 1.0
    if wins > count:
        return 0.0
    if count <= EXACT_TEST_MAX_BETS:
        distribution = np.zeros(count + 1)
        distribution[0] = 1.0
        for step, probability in enumerate(probabilities, start=1):
            distribution[1 : step + 1] = (
                distribution[1 : step + 1] * (1 - probability) + distribution[:step] * probability
            )
            distribution[0] *= 1 - probability
        return float(min(1.0, max(0.0, distribution[wins:].sum())))
    mean = float(probabilities.sum())
    deviation = math.sqrt(float((probabilities * (1 - probabilities)).sum()))
    return float(norm.sf((wins - 0.5 - mean) / deviation))


def score_from_p_value(p_value: float, alpha: float) -> float:
    """0.5 at the significance threshold, towards 1 as the p-value falls orders of magnitude below it."""
    if p_value <= 0:
        return 1.0
    orders_below = math.log10(alpha) - math.log10(p_value)
    return round(min(1.0, max(0.0, 0.5 + orders_below / 20)), 4)


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


@dataclass
class SettledBets:
    """Settled won/lost bets as arrays: one row per bet."""

    bet_ids: np.ndarray
    capper_ids: np.ndarray
    won: np.ndarray  # bool
    probability: np.ndarray  # implied win probability of the price
    is_late: np.ndarray  # bool: placed after the start of one of its games
    is_auto: np.ndarray  # bool: graded from the final score
    minutes_late: np.ndarray  # minutes after the earliest game start (negative: before)


def settled_bets(bets: QuerySet[Bet]) -> SettledBets:
    """Won and lost bets (pushes and voids say nothing about picking) with their price and timing."""
    rows = list(
        bets.filter(status__in=[BetStatus.WON, BetStatus.LOST], legs__game__isnull=False)
        .values_list("id", "capper_id", "status", "decimal_odds", "settlement_source", "placed_at")
        .annotate(first_start=Min("legs__game__starts_at"))
        .order_by()
    )
    return _as_settled(rows)


def _as_settled(rows: list[tuple]) -> SettledBets:
    if not rows:
        return SettledBets(*(np.zeros(0, dtype=kind) for kind in (int, int, bool, float, bool, bool, float)))
    bet_ids, capper_ids, statuses, odds, sources, placed, starts = zip(*rows, strict=True)
    minutes = np.array([(p - s).total_seconds() / 60 for p, s in zip(placed, starts, strict=True)])
    return SettledBets(
        bet_ids=np.array(bet_ids),
        capper_ids=np.array(capper_ids),
        won=np.array(statuses) == BetStatus.WON,
        probability=implied_probabilities(np.array([float(value) for value in odds])),
        is_late=minutes > 0,
        is_auto=np.array(sources) == "auto",
        minutes_late=minutes,
    )


def leg_rows(bets: QuerySet[Bet]) -> list[tuple]:
    """(bet id, capper id, tenant id, placed_at, game id, market, selection, line) of every leg on a game."""
    return list(
        BetLeg.objects.filter(bet__in=bets.order_by().values("id"), game__isnull=False)
        .values_list(
            "bet_id", "bet__capper_id", "bet__tenant_id", "bet__placed_at", "game_id", "market", "selection", "line"
        )
        .order_by()
    )
