"""Rolling-origin backtest: fit on the history up to an origin, forecast the next `horizon` buckets,
compare with what happened; several origins, the last one ending at the end of the history. Buckets
whose value was missing (filled in for the fit) are not compared.

Origins step back by `horizon` from the last one, so their held-out windows do not overlap (each actual
counts once in the coverage), and never leave less than `min_train` points to fit. At most `max_origins`:
each origin costs one fit per candidate.

Scores, over every held-out point of every origin:
* MASE — mean absolute error scaled by the in-sample mean absolute error of the seasonal naive forecast
  (the value one season earlier; the previous value without a season) on that origin's training window.
  Below 1: better than the naive forecast was on the past. None when every scale is 0 (a constant
  history), where nothing can be compared with it.
* sMAPE — mean of 2·|y − ŷ| / (|y| + |ŷ|), as a fraction (0 to 2); a point where both are 0 counts 0.
* coverage_80, coverage_95 — the share of held-out actuals inside the 80% and 95% intervals.
"""

from dataclasses import dataclass

import numpy as np

from apps.analytics.forecasting.candidates import Candidate, CandidateFailed, Prediction


@dataclass(frozen=True)
class Backtest:
    mase: float | None
    smape: float
    coverage_80: float
    coverage_95: float
    mean_absolute_error: float
    origins: int  # how many origins were fitted
    held_out: int  # how many actuals were compared (origins × horizon)

    def as_dict(self) -> dict:
        """The four figures the API reports beside a forecast."""
        return {
            "mase": self.mase,
            "smape": self.smape,
            "coverage_80": self.coverage_80,
            "coverage_95": self.coverage_95,
        }

    @property
    def selection_key(self) -> tuple:
        """Lower is better: MASE where it exists, else the mean absolute error."""
        return (self.mase is None, self.mase if self.mase is not None else self.mean_absolute_error)


def origins_for(*, length: int, horizon: int, min_train: int, max_origins: int) -> list[int]:
    """Where each training window ends (exclusive), oldest first."""
    origins = []
    origin = length - horizon
    while origin >= min_train and len(origins) < max_origins:
        origins.append(origin)
        origin -= horizon
    return sorted(origins)


def naive_scale(history: np.ndarray, season: int | None) -> float:
    """In-sample mean absolute error of the seasonal naive forecast (naive when there is no full season)."""
    lag = season if season and len(history) > season else 1
    if len(history) <= lag:
        return 0.0
    return float(np.mean(np.abs(history[lag:] - history[:-lag])))


def backtest(
    candidate: Candidate,
    values: np.ndarray,
    *,
    horizon: int,
    origins: list[int],
    season: int | None,
    bounds: tuple[float | None, float | None] = (None, None),
    observed: np.ndarray | None = None,
) -> Backtest:
    """The candidate's scores over the origins; CandidateFailed when it cannot fit one of them
    (every candidate is judged on the same origins, or not at all)."""
    if not origins:
        raise CandidateFailed("no backtest origin")
    observed = np.ones(len(values), dtype=bool) if observed is None else observed
    absolute_errors, scaled_errors, symmetric_errors, inside_80, inside_95 = [], [], [], [], []
    for origin in origins:
        history = values[:origin]
        prediction = candidate.predict(history, horizon).clipped(*bounds)
        # only buckets that had a value are judged (a filled gap is not an actual)
        kept = observed[origin : origin + horizon]
        actual = values[origin : origin + horizon][kept]
        prediction = Prediction(*(array[kept] for array in prediction.arrays()))
        errors = np.abs(actual - prediction.mean)
        absolute_errors.extend(errors)
        scale = naive_scale(history, season)
        if scale > 0:
            scaled_errors.extend(errors / scale)
        denominator = np.abs(actual) + np.abs(prediction.mean)
        symmetric_errors.extend(np.where(denominator > 0, 2 * errors / np.where(denominator > 0, denominator, 1), 0))
        inside_80.extend((prediction.lower_80 <= actual) & (actual <= prediction.upper_80))
        inside_95.extend((prediction.lower_95 <= actual) & (actual <= prediction.upper_95))
    if not absolute_errors:
        raise CandidateFailed("no actual value in any held-out window")
    return Backtest(
        mase=float(np.mean(scaled_errors)) if scaled_errors else None,
        smape=float(np.mean(symmetric_errors)),
        coverage_80=float(np.mean(inside_80)),
        coverage_95=float(np.mean(inside_95)),
        mean_absolute_error=float(np.mean(absolute_errors)),
        origins=len(origins),
        held_out=len(absolute_errors),
    )
