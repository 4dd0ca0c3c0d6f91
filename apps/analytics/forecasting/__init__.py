"""Forecasts of metric series (issue #14, item 5): statsmodels' exponential smoothing and SARIMA against a
linear trend as the floor, the model chosen per series by a rolling-origin backtest, 80% and 95% intervals
and how often they held on the backtest.

Pure functions on a series of (bucket, value) here (engine.py, candidates.py, backtest.py, calendar.py);
which metrics may be forecast and with what limits in `forecastable.py`; the history read from the
metric layer, the stored forecasts and `forecast_for` in apps/analytics/services/forecasts.py.
"""

from apps.analytics.forecasting.backtest import Backtest
from apps.analytics.forecasting.engine import Forecast, ForecastPoint, InsufficientHistory, forecast_series

__all__ = ["Backtest", "Forecast", "ForecastPoint", "InsufficientHistory", "forecast_series"]
