"""The candidate models: each fits a history and returns its mean forecast with 80% and 95% intervals.

* `linear_trend` — ordinary least squares on time, the floor every series can have. Its intervals come
  from the spread of its residuals: the prediction interval of a regression (Student's t, widening with
  the distance from the middle of the history).
* ETS — exponential smoothing in state-space form (statsmodels' `ETSModel`, additive errors), without or
  with a damped additive trend, with an additive season when the history holds at least three seasons.
  Its intervals are the model's own (exact for additive errors).
* SARIMA — statsmodels' `SARIMAX`, two small orders: the "airline" model (0,1,1)(0,1,1) and an AR(1) with
  a constant and a seasonal difference; without a season, ARIMA(0,1,1) and AR(1) with a constant. Only the
  airline model at a season of 24 (hours): the other order costs seconds per fit there. Intervals are
  the model's own.

Every fit runs in `quiet_fit()`: one BLAS thread (on a two-core worker, a threaded BLAS inside each of
many small fits makes them ten times slower, not faster), and the optimiser's warnings that a backtest
judges anyway (no convergence, odd or default starting parameters) silenced for that fit only (a
`catch_warnings` block around it), never process-wide.
A fit that raises, or returns anything not finite, is a failed candidate (`CandidateFailed`).
"""

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.tools.sm_exceptions import ConvergenceWarning, EstimationWarning
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from statsmodels.tsa.statespace.sarimax import SARIMAX
from threadpoolctl import threadpool_limits

LEVELS = (0.80, 0.95)
FIT_MAX_ITERATIONS = 100
# A season is modelled only when the shortest training window holds this many of them.
SEASONS_NEEDED = 3


class CandidateFailed(Exception):
    """The model could not be fitted to this history (it is left out of the comparison)."""


@dataclass(frozen=True)
class Prediction:
    """A forecast of `h` steps: the mean and the bounds of the 80% and 95% intervals (numpy arrays)."""

    mean: np.ndarray
    lower_80: np.ndarray
    upper_80: np.ndarray
    lower_95: np.ndarray
    upper_95: np.ndarray

    def clipped(self, lower: float | None, upper: float | None) -> "Prediction":
        """Every figure held inside the metric's possible values (a count is never negative)."""
        if lower is None and upper is None:
            return self
        return Prediction(*(np.clip(values, lower, upper) for values in self.arrays()))

    def arrays(self) -> tuple[np.ndarray, ...]:
        return (self.mean, self.lower_80, self.upper_80, self.lower_95, self.upper_95)


@dataclass(frozen=True)
class Candidate:
    name: str
    fit_predict: Callable[[np.ndarray, int], Prediction]

    def predict(self, history: np.ndarray, horizon: int) -> Prediction:
        """Fit `history` and forecast `horizon` steps; CandidateFailed when the model cannot."""
        try:
            with quiet_fit():
                prediction = self.fit_predict(history, horizon)
        except (ValueError, RuntimeError, np.linalg.LinAlgError, IndexError, ZeroDivisionError, OverflowError) as error:
            raise CandidateFailed(f"{self.name}: {type(error).__name__}: {error}") from error
        if not all(np.all(np.isfinite(values)) and len(values) == horizon for values in prediction.arrays()):
            raise CandidateFailed(f"{self.name}: a forecast that is not finite")
        return prediction


@contextmanager
def quiet_fit() -> Iterator[None]:
    """One BLAS thread and the optimiser's expected warnings silenced, for the fit inside only."""
    with threadpool_limits(limits=1), warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", EstimationWarning)  # "too few observations for starting parameters"
        warnings.filterwarnings("ignore", message="Non-(invertible|stationary) starting", category=UserWarning)
        yield


def candidates_for(*, shortest_history: int, season: int | None) -> list[Candidate]:
    """The candidates every backtest origin can fit: seasonal ones only when the shortest training
    window holds SEASONS_NEEDED seasons. The floor (linear trend) comes first, so a tie keeps it."""
    seasonal = season if season and shortest_history >= SEASONS_NEEDED * season else None
    candidates = [Candidate("linear_trend", _linear_trend)]
    suffix = f"[{seasonal}]" if seasonal else ""
    letter = "A" if seasonal else "N"
    candidates.append(Candidate(f"ETS(A,N,{letter}){suffix}", _ets(trend=False, season=seasonal)))
    candidates.append(Candidate(f"ETS(A,Ad,{letter}){suffix}", _ets(trend=True, season=seasonal)))
    if seasonal:
        candidates.append(Candidate(f"SARIMA(0,1,1)(0,1,1){suffix}", _sarima((0, 1, 1), (0, 1, 1, seasonal))))
        if seasonal < 24:
            candidates.append(
                Candidate(f"SARIMA(1,0,0)(0,1,1){suffix}+c", _sarima((1, 0, 0), (0, 1, 1, seasonal), trend="c"))
            )
    else:
        candidates.append(Candidate("ARIMA(0,1,1)", _sarima((0, 1, 1), (0, 0, 0, 0))))
        candidates.append(Candidate("ARIMA(1,0,0)+c", _sarima((1, 0, 0), (0, 0, 0, 0), trend="c")))
    return candidates


def _linear_trend(history: np.ndarray, horizon: int) -> Prediction:
    count = len(history)
    if count < 3:
        raise ValueError("a line through fewer than 3 points has no residual spread")
    times = np.arange(count, dtype=float)
    slope, intercept = np.polyfit(times, history, 1)
    residuals = history - (intercept + slope * times)
    spread = np.sqrt(np.sum(residuals**2) / (count - 2))
    future = np.arange(count, count + horizon, dtype=float)
    mean = intercept + slope * future
    centre = times.mean()
    leverage = 1 + 1 / count + (future - centre) ** 2 / np.sum((times - centre) ** 2)
    bounds = []
    for level in LEVELS:
        half_width = stats.t.ppf(0.5 + level / 2, count - 2) * spread * np.sqrt(leverage)
        bounds.extend([mean - half_width, mean + half_width])
    return Prediction(mean, *bounds)


def _ets(*, trend: bool, season: int | None) -> Callable[[np.ndarray, int], Prediction]:
    def fit_predict(history: np.ndarray, horizon: int) -> Prediction:
        model = ETSModel(
            pd.Series(history),
            error="add",
            trend="add" if trend else None,
            damped_trend=trend,
            seasonal="add" if season else None,
            seasonal_periods=season,
            initialization_method="heuristic",
        )
        result = model.fit(disp=False, maxiter=FIT_MAX_ITERATIONS)
        prediction = result.get_prediction(start=len(history), end=len(history) + horizon - 1)
        mean = np.asarray(prediction.predicted_mean, dtype=float)
        bounds = []
        for level in LEVELS:
            frame = prediction.summary_frame(alpha=1 - level)
            bounds.extend([frame["pi_lower"].to_numpy(dtype=float), frame["pi_upper"].to_numpy(dtype=float)])
        return Prediction(mean, *bounds)

    return fit_predict


def _sarima(order: tuple, seasonal_order: tuple, trend: str | None = None) -> Callable[[np.ndarray, int], Prediction]:
    def fit_predict(history: np.ndarray, horizon: int) -> Prediction:
        # the variance concentrated out of the likelihood: one parameter fewer to search, half the time
        model = SARIMAX(
            pd.Series(history), order=order, seasonal_order=seasonal_order, trend=trend, concentrate_scale=True
        )
        result = model.fit(disp=False, maxiter=FIT_MAX_ITERATIONS)
        forecast = result.get_forecast(horizon)
        mean = np.asarray(forecast.predicted_mean, dtype=float)
        bounds = []
        for level in LEVELS:
            interval = np.asarray(forecast.conf_int(alpha=1 - level), dtype=float)
            bounds.extend([interval[:, 0], interval[:, 1]])
        return Prediction(mean, *bounds)

    return fit_predict
