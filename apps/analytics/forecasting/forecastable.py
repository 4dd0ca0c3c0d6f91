"""Which metrics may be forecast, within which bounds, at which horizons, over how much history.

A forecast extrapolates a process that goes on in time: how much is bet, how many bets, how they turn
out. So sums and counts per bucket (bets placed, handle, net units, active cappers, events opened, API
requests) and ratios of two sums (ROI, win rate, parlay share, error and hit ratios) may be forecast.
Refused, with the reason in the 400:
* `pending_bets` — "placed in the period and not settled *now*": its past is rewritten as bets settle,
  so its history says how recently each bucket was placed, not what will happen;
* snapshots (`dsr_open`, `compliance_score`) — the level of a backlog or a score moves when people act
  on it, not by trend and season;
* means (`avg_decimal_odds`, `grading_lag_seconds`) — an average over however many bets there were; it
  is not a sum or a ratio of sums, and the issue forecasts those only.

Net units, ROI and win rate count settled bets only: the newest buckets still fill in as their bets
settle, so their last values tend to be low until then.
"""

from dataclasses import dataclass

from apps.analytics.metrics import METRICS

REFUSED = {
    "pending_bets": "its history is rewritten as bets settle (it counts what is unsettled now)",
    "dsr_open": "it is a snapshot of a backlog, which moves when people act on it, not by trend or season",
    "compliance_score": "it is a snapshot of a score, which moves when people act on it, not by trend or season",
    "avg_decimal_odds": "it is a mean over the bets of a bucket; only sums, counts and ratios are forecast",
    "grading_lag_seconds": "it is a mean over the bets of a bucket; only sums, counts and ratios are forecast",
}
FORECAST_AGGREGATIONS = frozenset({"sum", "distinct", "ratio"})

# bounds of the possible values, held by every forecast and interval
_SHARES = frozenset({"win_rate", "parlay_share", "api_error_rate", "cache_hit_ratio"})
_UNBOUNDED = frozenset({"units_net"})

# horizon: the default and the longest per grain (a forecast far past its backtest says little)
DEFAULT_HORIZONS = {"hour": 24, "day": 14, "week": 8, "month": 6}
MAX_HORIZONS = {"hour": 72, "day": 60, "week": 26, "month": 12}
# how far back the history is read per grain (buckets); the hour's is within the query's 14-day limit
HISTORY_BUCKETS = {"hour": 10 * 24, "day": 180, "week": 104, "month": 60}


@dataclass(frozen=True)
class ForecastSpec:
    """How one metric is forecast: its bounds, and whether leading zeros are history."""

    metric: str
    lower: float | None
    upper: float | None
    trim_leading_zeros: bool  # a sum's zeros before the first activity are not history

    @property
    def bounds(self) -> tuple[float | None, float | None]:
        return (self.lower, self.upper)


def forecast_spec(name: str) -> ForecastSpec | None:
    """The spec of a forecastable metric; None when the metric is unknown or refused."""
    metric = METRICS.get(name)
    if metric is None or name in REFUSED or metric.aggregation not in FORECAST_AGGREGATIONS:
        return None
    if name in _SHARES:
        return ForecastSpec(name, 0.0, 1.0, trim_leading_zeros=False)
    if name == "roi":
        return ForecastSpec(name, -1.0, None, trim_leading_zeros=False)  # at worst every unit staked is lost
    if name in _UNBOUNDED:
        return ForecastSpec(name, None, None, trim_leading_zeros=True)
    return ForecastSpec(name, 0.0, None, trim_leading_zeros=metric.aggregation != "ratio")


def forecastable_metrics() -> list[str]:
    return [name for name in METRICS if forecast_spec(name) is not None]


def refusal_reason(name: str) -> str:
    """Why a known metric is not forecast."""
    return REFUSED.get(name) or "only sums, counts and ratios are forecast"
