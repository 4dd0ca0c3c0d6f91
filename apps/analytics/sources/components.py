"""The additive parts every betting metric is derived from, whether summed from rollups or raw rows.

Rollup rows store exactly these fields (one row per tenant × capper × sport × league × market × bet
type × day); the raw path sums the same expressions over bets and ledger entries. Ratios and means are
derived only after summing, so a month's ROI is Σnet / Σstaked, never a mean of daily ROIs.
"""

from dataclasses import dataclass, fields
from decimal import Decimal

BET_PARTS = ("bets", "stake", "odds_sum", "parlays", "pending", "lag_sum", "lag_count")
LEDGER_PARTS = ("won", "lost", "push", "void", "staked", "net")


@dataclass
class Components:
    bets: int = 0
    stake: Decimal = Decimal(0)
    odds_sum: Decimal = Decimal(0)
    parlays: int = 0
    pending: int = 0
    lag_sum: float = 0.0  # seconds
    lag_count: int = 0
    won: int = 0
    lost: int = 0
    push: int = 0
    void: int = 0
    staked: Decimal = Decimal(0)
    net: Decimal = Decimal(0)
    cappers: int = 0  # distinct cappers with a bet placed (not additive: counted per key)

    def add(self, parts: dict) -> None:
        for name, value in parts.items():
            if value is not None and name in _FIELD_NAMES:
                setattr(self, name, getattr(self, name) + value)


_FIELD_NAMES = frozenset(field.name for field in fields(Components))


def _ratio(numerator, denominator) -> float | None:
    return round(float(numerator) / float(denominator), 6) if denominator else None


DERIVE = {
    "bets_placed": lambda c: c.bets,
    "stake_units": lambda c: round(float(c.stake), 4),
    "units_net": lambda c: round(float(c.net), 4),
    "roi": lambda c: _ratio(c.net, c.staked),
    "win_rate": lambda c: _ratio(c.won, c.won + c.lost),
    "active_cappers": lambda c: c.cappers,
    "avg_decimal_odds": lambda c: _ratio(c.odds_sum, c.bets),
    "pending_bets": lambda c: c.pending,
    "parlay_share": lambda c: _ratio(c.parlays, c.bets),
    "grading_lag_seconds": lambda c: round(c.lag_sum / c.lag_count, 1) if c.lag_count else None,
}
