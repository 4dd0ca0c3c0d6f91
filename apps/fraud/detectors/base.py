"""What every detector shares: the finding it returns, the statistics it tests with, the rows it reads.

A detector is pure-ish: a queryset of bets in, findings out. It reads only the columns it needs
(`values_list`, vectorized with numpy where it counts), writes nothing, and explains each finding
with the bets, games and numbers behind it; the scan (apps/fraud/services/scan.py) turns findings
into cases. What several detectors read (the settled bets, the legs on games) is loaded once per scan
in a `ScanData` that the scan hands to every detector; a detector called alone makes its own.

Timestamps are read as whole microseconds since the epoch (`EpochMicroseconds`, exact) rather than
as datetimes: decoding a million timestamptz values into datetimes costs seconds, and
`microseconds / 1e6` is exactly what `datetime.timestamp()` and `timedelta.total_seconds()` return.
"""

import math
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

import numpy as np
from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import BigIntegerField, Func, Min, QuerySet
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


JULIAN_UNIX_EPOCH = 2440587.5  # julianday('1970-01-01 00:00:00')


class EpochMicroseconds(Func):
    """A timestamp as whole microseconds since 1970-01-01 UTC (PostgreSQL's exact numeric epoch, as bigint)."""

    template = "(EXTRACT(EPOCH FROM %(expressions)s) * 1000000)::bigint"
    output_field = BigIntegerField()

    def as_sqlite(self, compiler, connection, **extra_context):
        # the embedded configuration: Julian days (microsecond-rounded; SQLite keeps timestamps as text)
        template = f"CAST(ROUND((julianday(%(expressions)s) - {JULIAN_UNIX_EPOCH}) * 86400000000) AS INTEGER)"
        return self.as_sql(compiler, connection, template=template, **extra_context)


def seconds_from_microseconds(microseconds: np.ndarray) -> np.ndarray:
    """Exactly `datetime.timestamp()` / `timedelta.total_seconds()`: int64 → float64 is exact below 2**53
    microseconds (year 2255), and the division is correctly rounded like Python's int / int."""
    return microseconds.astype(np.float64) / 1e6


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


# when a settled bet was posted, in the wrapper query of `settled_bets` (module docstring there)
POSTED_AT = "GREATEST(settled.placed_at, COALESCE(settled.received_at, settled.placed_at))"


@dataclass
class SettledBets:
    """Settled won/lost bets as arrays: one row per bet."""

    bet_ids: np.ndarray
    capper_ids: np.ndarray
    won: np.ndarray  # bool
    probability: np.ndarray  # implied win probability of the price
    is_late: np.ndarray  # bool: placed, or received by the server, after the start of one of its games
    is_auto: np.ndarray  # bool: graded from the final score
    minutes_late: np.ndarray  # minutes the bet was posted after the earliest game start (negative: before)

    def record(self, mask: np.ndarray) -> "WinRecord":
        """The wins of the bets in `mask` against what their prices imply."""
        return WinRecord(wins=int(self.won[mask].sum()), count=int(mask.sum()), probabilities=self.probability[mask])


@dataclass(frozen=True)
class WinRecord:
    """Some bets' wins against their implied probabilities, with the chance of winning that often or more."""

    wins: int
    count: int
    probabilities: np.ndarray

    @cached_property
    def expected(self) -> float:
        return float(self.probabilities.sum())

    @property
    def excess(self) -> float:
        """Wins above the expected, per bet."""
        return (self.wins - self.expected) / self.count

    @cached_property
    def p_value(self) -> float:
        return poisson_binomial_tail(self.wins, self.probabilities)

    def evidence(self, prefix: str = "") -> dict[str, Any]:
        return {
            f"{prefix}bets": self.count,
            f"{prefix}wins": self.wins,
            f"{prefix}expected_wins": round(self.expected, 2),
            f"{prefix}win_rate": round(self.wins / self.count, 4),
            f"{prefix}implied_win_rate": round(self.expected / self.count, 4),
        }


def settled_bets(bets: QuerySet[Bet]) -> SettledBets:
    """Won and lost bets (pushes and voids say nothing about picking) with their price and timing.

    A bet's timing is when it was posted: the later of its `placed_at` (the client's claim) and its
    `received_at` (the server's clock; missing on bets recorded before it was kept). So a bet that
    claims a time before kick-off but reached the server after it counts as posted late.

    The grouped query is wrapped unchanged and only its two timestamps are converted outside it (to epoch
    microseconds): the aggregate's plan, and so the order of the rows, stays what it always was.
    """
    grouped = (
        bets.filter(status__in=[BetStatus.WON, BetStatus.LOST], legs__game__isnull=False)
        .values_list("id", "capper_id", "status", "decimal_odds", "settlement_source", "placed_at", "received_at")
        .annotate(first_start=Min("legs__game__starts_at"))
        .order_by()
    )
    try:
        sql, params = grouped.query.sql_with_params()
    except EmptyResultSet:
        return _as_settled([])
    epoch, posted_at = "(EXTRACT(EPOCH FROM {}) * 1000000)::bigint", POSTED_AT
    if connections[grouped.db].vendor == "sqlite":  # the embedded configuration: Julian days, MAX of two values
        epoch = "CAST(ROUND((julianday({}) - " + str(JULIAN_UNIX_EPOCH) + ") * 86400000000) AS INTEGER)"
        posted_at = POSTED_AT.replace("GREATEST(", "MAX(")
    # only constants around the ORM's own SQL; the values stay bound parameters
    query = (
        "SELECT settled.id, settled.capper_id, settled.status, settled.decimal_odds, settled.settlement_source, "  # noqa: S608
        f"{epoch.format(posted_at)}, {epoch.format('settled.first_start')} FROM ({sql}) AS settled"
    )
    with connections[grouped.db].cursor() as cursor:
        cursor.execute(query, params)
        rows = cursor.fetchall()
    return _as_settled(rows)


def _as_settled(rows: list[tuple]) -> SettledBets:
    if not rows:
        return SettledBets(*(np.zeros(0, dtype=kind) for kind in (int, int, bool, float, bool, bool, float)))
    bet_ids, capper_ids, statuses, odds, sources, placed, starts = zip(*rows, strict=True)
    late_us = np.array(placed, dtype=np.int64) - np.array(starts, dtype=np.int64)
    minutes = seconds_from_microseconds(late_us) / 60
    return SettledBets(
        bet_ids=np.array(bet_ids),
        capper_ids=np.array(capper_ids),
        won=np.array(statuses) == BetStatus.WON,
        probability=implied_probabilities(np.array([float(value) for value in odds])),
        is_late=minutes > 0,
        is_auto=np.array(sources) == "auto",
        minutes_late=minutes,
    )


@dataclass
class Legs:
    """Every leg on a game of the bets, as arrays in the order the database returned them: one row per leg."""

    bet_ids: np.ndarray
    capper_ids: np.ndarray
    tenant_ids: np.ndarray
    moments: np.ndarray  # placed_at of the bet, seconds since the epoch (float, as datetime.timestamp())
    game_ids: np.ndarray
    markets: np.ndarray  # str
    selections: np.ndarray  # str


def leg_arrays(bets: QuerySet[Bet]) -> Legs:
    """(bet, capper, tenant, placed_at, game, market, selection) of every leg on a game."""
    rows = list(
        BetLeg.objects.filter(bet__in=bets.order_by().values("id"), game__isnull=False)
        .annotate(placed_us=EpochMicroseconds("bet__placed_at"))
        .values_list("bet_id", "bet__capper_id", "bet__tenant_id", "placed_us", "game_id", "market", "selection")
        .order_by()
    )
    if not rows:
        return Legs(*(np.zeros(0, dtype=kind) for kind in (int, int, int, float, int, str, str)))
    bet_ids, capper_ids, tenant_ids, placed, game_ids, markets, selections = zip(*rows, strict=True)
    return Legs(
        bet_ids=np.array(bet_ids, dtype=np.int64),
        capper_ids=np.array(capper_ids, dtype=np.int64),
        tenant_ids=np.array(tenant_ids, dtype=np.int64),
        moments=seconds_from_microseconds(np.array(placed, dtype=np.int64)),
        game_ids=np.array(game_ids, dtype=np.int64),
        markets=np.array(markets, dtype=str),
        selections=np.array(selections, dtype=str),
    )


class ScanData:
    """The rows several detectors read, loaded on first use and then shared: one per scan.

    Late posting and improbable records both read `settled`; the two ring detectors both read `legs`.
    """

    def __init__(self, bets: QuerySet[Bet]):
        self.bets = bets

    @cached_property
    def settled(self) -> SettledBets:
        return settled_bets(self.bets)

    @cached_property
    def legs(self) -> Legs:
        return leg_arrays(self.bets)
