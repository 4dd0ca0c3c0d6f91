"""The forecasting engine on synthetic series (no database): model choice by rolling-origin backtest,
interval coverage, refusals for too little history, bounds, gaps and the buckets forecast."""

import math
from datetime import date, datetime, timedelta

import numpy as np
import pytest

from apps.analytics.forecasting import InsufficientHistory, forecast_series
from apps.analytics.forecasting.backtest import naive_scale, origins_for
from apps.analytics.forecasting.calendar import bucket_after
from apps.analytics.forecasting.candidates import candidates_for

START = date(2026, 1, 5)  # a Monday


def _daily(values) -> list[tuple[date, float | None]]:
    return [(START + timedelta(days=index), value) for index, value in enumerate(values)]


def _trend_and_week(count: int, seed: int = 7) -> list[tuple[date, float]]:
    rng = np.random.default_rng(seed)
    index = np.arange(count)
    values = 50 + 0.5 * index + 10 * np.sin(2 * np.pi * index / 7) + rng.normal(0, 2, count)
    return _daily(values.tolist())


def _binomial_band(share: float, trials: int) -> tuple[float, float]:
    """Three standard errors of a share estimated from `trials` independent held-out points."""
    spread = 3 * math.sqrt(share * (1 - share) / trials)
    return share - spread, share + spread


def test_a_trend_with_a_weekly_season_chooses_a_seasonal_model_that_beats_the_naive_forecast():
    forecast = forecast_series(_trend_and_week(84), grain="day", horizon=14, max_origins=3, name="handle")

    assert forecast.model.startswith(("ETS", "SARIMA")) and forecast.model.endswith(("[7]", "[7]+c"))
    assert forecast.backtest.mase < 1
    assert forecast.candidates["linear_trend"]["mase"] > forecast.backtest.mase  # the floor lost
    assert (forecast.backtest.origins, forecast.backtest.held_out) == (3, 42)
    assert [point.t for point in forecast.points] == [
        (START + timedelta(days=84 + step)).isoformat() for step in range(14)
    ]
    for point in forecast.points:
        assert point.lower_95 <= point.lower_80 <= point.yhat <= point.upper_80 <= point.upper_95
    assert set(forecast.as_dict()) == {"model", "backtest", "points"}
    assert set(forecast.as_dict()["backtest"]) == {"mase", "smape", "coverage_80", "coverage_95"}


def test_on_long_noise_the_intervals_cover_what_they_promise():
    rng = np.random.default_rng(11)
    forecast = forecast_series(_daily((100 + rng.normal(0, 5, 160)).tolist()), grain="day", horizon=14, max_origins=5)

    held_out = forecast.backtest.held_out
    assert held_out == 5 * 14
    low_95, high_95 = _binomial_band(0.95, held_out)
    low_80, high_80 = _binomial_band(0.80, held_out)
    assert low_95 <= forecast.backtest.coverage_95 <= high_95
    assert low_80 <= forecast.backtest.coverage_80 <= high_80
    assert forecast.backtest.coverage_80 <= forecast.backtest.coverage_95


def test_too_little_history_says_how_much_is_needed():
    with pytest.raises(InsufficientHistory) as refusal:
        forecast_series(_daily([3.0] * 9), grain="day", horizon=14, name="stake_units by day")

    assert (refusal.value.needed, refusal.value.available) == (42, 9)
    assert refusal.value.message == (
        "stake_units by day needs at least 42 daily points of history (28 to fit and 14 to check a 14-day "
        "forecast against); it has 9 (since 2026-01-05)."
    )


def test_the_zeros_before_the_first_activity_are_not_history():
    series = _daily([0.0] * 50 + [2.0] * 9)

    with pytest.raises(InsufficientHistory) as refusal:
        forecast_series(series, grain="day", horizon=14, trim_leading_zeros=True, name="handle")

    assert refusal.value.available == 9
    assert "since 2026-02-24" in refusal.value.message


def test_a_sparse_ratio_is_refused_rather_than_invented():
    values = [0.5 if index % 2 else None for index in range(90)]  # a value every other day

    with pytest.raises(InsufficientHistory) as refusal:
        forecast_series(_daily(values), grain="day", horizon=7, name="roi by day")

    assert refusal.value.message.startswith("roi by day has a value in only 45 of its 89 days (since 2026-01-06)")


def test_gaps_are_filled_for_the_fit_but_never_judged_as_actuals():
    values = [value for _, value in _trend_and_week(56)]
    values[50] = values[53] = None  # inside the last held-out window

    forecast = forecast_series(_daily(values), grain="day", horizon=7, max_origins=2)

    assert forecast.backtest.held_out == 2 * 7 - 2
    assert forecast.history_points == 54


def test_forecasts_and_intervals_stay_inside_the_metric_bounds():
    rng = np.random.default_rng(3)
    counts = rng.poisson(0.6, 60).astype(float).tolist()  # a small count: a normal interval dips below 0

    forecast = forecast_series(_daily(counts), grain="day", horizon=7, max_origins=2, bounds=(0.0, None))

    assert min(point.lower_95 for point in forecast.points) == 0.0
    assert all(point.yhat >= 0 for point in forecast.points)


def test_a_constant_history_has_no_mase_and_forecasts_its_level():
    forecast = forecast_series(_daily([4.0] * 40), grain="day", horizon=7, max_origins=1)

    assert forecast.backtest.mase is None
    assert forecast.backtest.smape == 0.0
    assert all(point.yhat == pytest.approx(4.0) for point in forecast.points)


def test_hours_are_modelled_with_a_daily_season():
    start = datetime(2026, 3, 1, 0)
    rng = np.random.default_rng(5)
    values = [20 + 6 * math.sin(2 * math.pi * hour / 24) + rng.normal(0, 1) for hour in range(96 + 24)]
    series = [((start + timedelta(hours=hour)).strftime("%Y-%m-%dT%H:00"), value) for hour, value in enumerate(values)]

    forecast = forecast_series(series, grain="hour", horizon=24, max_origins=1)

    assert forecast.model.endswith("[24]")
    assert forecast.points[0].t == "2026-03-06T00:00"
    assert forecast.points[-1].t == "2026-03-06T23:00"


@pytest.mark.parametrize(
    ("length", "horizon", "min_train", "max_origins", "expected"),
    [
        (42, 14, 28, 5, [28]),
        (84, 14, 28, 5, [28, 42, 56, 70]),
        (84, 14, 28, 2, [56, 70]),
        (41, 14, 28, 5, []),
    ],
)
def test_origins_step_back_by_the_horizon_and_leave_enough_to_fit(length, horizon, min_train, max_origins, expected):
    assert origins_for(length=length, horizon=horizon, min_train=min_train, max_origins=max_origins) == expected


def test_the_mase_scale_is_the_seasonal_naive_error():
    history = np.array([1.0, 2.0, 3.0, 1.5, 2.5, 3.5, 2.0])

    assert naive_scale(history, 3) == pytest.approx(0.5)
    assert naive_scale(history, None) == pytest.approx(np.mean(np.abs(np.diff(history))))


def test_seasonal_candidates_need_three_seasons_of_training():
    assert [candidate.name for candidate in candidates_for(shortest_history=20, season=7)] == [
        "linear_trend",
        "ETS(A,N,N)",
        "ETS(A,Ad,N)",
        "ARIMA(0,1,1)",
        "ARIMA(1,0,0)+c",
    ]
    assert [candidate.name for candidate in candidates_for(shortest_history=72, season=24)] == [
        "linear_trend",
        "ETS(A,N,A)[24]",
        "ETS(A,Ad,A)[24]",
        "SARIMA(0,1,1)(0,1,1)[24]",
    ]


@pytest.mark.parametrize(
    ("value", "grain", "expected"),
    [
        (date(2026, 12, 1), "month", date(2027, 1, 1)),
        (date(2026, 1, 1), "month", date(2026, 2, 1)),
        (date(2026, 12, 28), "week", date(2027, 1, 4)),
        (datetime(2026, 12, 31, 23), "hour", datetime(2027, 1, 1, 0)),
    ],
)
def test_the_bucket_after(value, grain, expected):
    assert bucket_after(value, grain) == expected
