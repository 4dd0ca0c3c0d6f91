"""`forecast_series`: a series of (bucket, value) in, the chosen model's forecast with intervals and its
backtest out. Pure: no database, no settings, so it is tested on synthetic series.

1. The series is laid on consecutive buckets. Leading buckets without a value (and, for a sum, leading
   zeros: the days before a community started betting) are not history. Gaps inside are filled by
   straight lines for the fit and never judged as actuals; a trailing gap holds the last value.
2. Too little history is refused with the amount needed (`InsufficientHistory`), never answered with a
   made-up line: `min_train` buckets to fit plus `horizon` to check the forecast against.
3. Each candidate (candidates.py) is backtested on the same rolling origins (backtest.py); the lowest
   MASE wins, ties to the simpler model. The winner is fitted on the whole history and forecasts
   `horizon` buckets; should that final fit fail, the next best takes its place.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np

from apps.analytics.forecasting.backtest import Backtest, backtest, origins_for
from apps.analytics.forecasting.calendar import (
    GRAIN_ADJECTIVES,
    GRAIN_NOUNS,
    SEASONS,
    bucket_after,
    bucket_parse,
    bucket_text,
    buckets_after,
)
from apps.analytics.forecasting.candidates import Candidate, CandidateFailed, candidates_for

# Buckets to fit on at the first origin: four weeks of days, three days of hours (three seasons, the
# least a seasonal model is given), sixteen weeks, eighteen months.
MIN_TRAIN = {"hour": 72, "day": 28, "week": 16, "month": 18}
MAX_GAP_SHARE = 0.25  # more buckets than this without a value: too sparse to forecast
DEFAULT_MAX_ORIGINS = 5

SeriesInput = Iterable[tuple[str | date | datetime, float | int | None]]


class InsufficientHistory(Exception):
    """Too little (or too sparse) history to fit and check a forecast; the message says how much is needed."""

    def __init__(self, message: str, *, needed: int, available: int) -> None:
        super().__init__(message)
        self.message = message
        self.needed = needed
        self.available = available


@dataclass(frozen=True)
class ForecastPoint:
    t: str
    yhat: float
    lower_80: float
    upper_80: float
    lower_95: float
    upper_95: float

    def as_dict(self) -> dict:
        return {
            "t": self.t,
            "yhat": self.yhat,
            "lower_80": self.lower_80,
            "upper_80": self.upper_80,
            "lower_95": self.lower_95,
            "upper_95": self.upper_95,
        }


@dataclass(frozen=True)
class Forecast:
    model: str
    backtest: Backtest
    points: list[ForecastPoint]
    history_start: str
    history_end: str
    history_points: int  # buckets with a value
    candidates: dict[str, dict] = field(default_factory=dict)  # every candidate's backtest, or why it failed

    def as_dict(self) -> dict:
        """The API's shape: exactly model, backtest (mase, smape, coverage_80, coverage_95) and points."""
        return {
            "model": self.model,
            "backtest": _rounded(self.backtest.as_dict()),
            "points": [point.as_dict() for point in self.points],
        }


@dataclass(frozen=True)
class _History:
    buckets: list[date | datetime]
    values: np.ndarray  # gaps filled
    observed: np.ndarray  # bool: the bucket had a value

    @property
    def observed_count(self) -> int:
        return int(self.observed.sum())


def forecast_series(
    series: SeriesInput,
    *,
    grain: str,
    horizon: int,
    name: str = "the series",
    bounds: tuple[float | None, float | None] = (None, None),
    trim_leading_zeros: bool = False,
    min_train: int | None = None,
    max_origins: int = DEFAULT_MAX_ORIGINS,
) -> Forecast:
    """Forecast the `horizon` buckets after the series' last one (module docstring).

    `name` words the refusal ("stake_units by day needs …"); `bounds` are the metric's possible values
    (lower, upper; None: unbounded), which every forecast and interval is held inside.
    """
    if grain not in SEASONS:
        raise ValueError(f"unknown grain {grain!r}")
    if horizon < 1:
        raise ValueError("the horizon is at least one bucket")
    min_train = min_train or MIN_TRAIN[grain]
    history = _history(series, grain=grain, trim_leading_zeros=trim_leading_zeros)
    _check_enough(history, grain=grain, horizon=horizon, min_train=min_train, name=name)
    season = SEASONS[grain]
    origins = origins_for(length=len(history.values), horizon=horizon, min_train=min_train, max_origins=max_origins)
    ranked, report = _rank(history, origins=origins, horizon=horizon, season=season, bounds=bounds)
    for candidate, scores in ranked:
        try:
            prediction = candidate.predict(history.values, horizon).clipped(*bounds)
        except CandidateFailed as failure:
            report[candidate.name] = {"failed": f"final fit: {failure}"}
            continue
        future = buckets_after(history.buckets[-1], grain, horizon)
        points = [
            ForecastPoint(bucket_text(bucket, grain), *(_number(values[index]) for values in prediction.arrays()))
            for index, bucket in enumerate(future)
        ]
        return Forecast(
            model=candidate.name,
            backtest=scores,
            points=points,
            history_start=bucket_text(history.buckets[0], grain),
            history_end=bucket_text(history.buckets[-1], grain),
            history_points=history.observed_count,
            candidates=report,
        )
    raise CandidateFailed(f"no candidate model could be fitted: {report}")  # the linear trend always can


def _rank(
    history: _History, *, origins: list[int], horizon: int, season: int | None, bounds: tuple
) -> tuple[list[tuple[Candidate, Backtest]], dict[str, dict]]:
    """Every candidate's backtest, best first (ties: the order of candidates_for, simplest first)."""
    scored: list[tuple[Candidate, Backtest]] = []
    report: dict[str, dict] = {}
    for candidate in candidates_for(shortest_history=origins[0], season=season):
        try:
            scores = backtest(
                candidate,
                history.values,
                horizon=horizon,
                origins=origins,
                season=season,
                bounds=bounds,
                observed=history.observed,
            )
        except CandidateFailed as failure:
            report[candidate.name] = {"failed": str(failure)}
            continue
        scored.append((candidate, scores))
        report[candidate.name] = _rounded(scores.as_dict())
    scored.sort(key=lambda pair: pair[1].selection_key)  # stable: ties keep the simpler model
    return scored, report


def _history(series: SeriesInput, *, grain: str, trim_leading_zeros: bool) -> _History:
    by_bucket: dict[date | datetime, float | None] = {}
    for raw_bucket, raw_value in series:
        value = None if raw_value is None else float(raw_value)
        if value is not None and not math.isfinite(value):
            raise ValueError(f"a value that is not finite at {raw_bucket}")
        by_bucket[bucket_parse(raw_bucket, grain)] = value
    known = sorted(by_bucket)
    # history starts at the first value (for a sum: the first value that is not 0)
    starts = [
        bucket for bucket in known if by_bucket[bucket] is not None and (by_bucket[bucket] or not trim_leading_zeros)
    ]
    first = starts[0] if starts else None
    if first is None:
        return _History([], np.array([]), np.array([], dtype=bool))
    buckets = [first]
    while buckets[-1] < known[-1]:
        buckets.append(bucket_after(buckets[-1], grain))
    raw = [by_bucket.get(bucket) for bucket in buckets]
    observed = np.array([value is not None for value in raw])
    positions = np.arange(len(raw))
    known_values = np.array([value for value in raw if value is not None])
    # straight lines across gaps; np.interp holds the last value past the end
    values = np.interp(positions, positions[observed], known_values)
    return _History(buckets, values, observed)


def _check_enough(history: _History, *, grain: str, horizon: int, min_train: int, name: str) -> None:
    needed = min_train + horizon
    adjective, noun = GRAIN_ADJECTIVES[grain], GRAIN_NOUNS[grain]
    available = history.observed_count
    since = f" (since {bucket_text(history.buckets[0], grain)})" if history.buckets else ""
    if available < needed:
        raise InsufficientHistory(
            f"{name} needs at least {needed} {adjective} points of history ({min_train} to fit and {horizon} "
            f"to check a {horizon}-{noun} forecast against); it has {available}{since}.",
            needed=needed,
            available=available,
        )
    span = len(history.buckets)
    if available < (1 - MAX_GAP_SHARE) * span:
        raise InsufficientHistory(
            f"{name} has a value in only {available} of its {span} {noun}s{since}: at least "
            f"{round((1 - MAX_GAP_SHARE) * 100)}% of them need one to forecast it.",
            needed=math.ceil((1 - MAX_GAP_SHARE) * span),
            available=available,
        )


def _number(value: float) -> float:
    return round(float(value), 6)


def _rounded(figures: dict) -> dict:
    return {key: (round(value, 4) if isinstance(value, float) else value) for key, value in figures.items()}
