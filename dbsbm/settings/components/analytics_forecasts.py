"""Forecasts (apps/analytics/forecasting/): which series beat keeps fresh, how often it looks, and how
many backtest origins each series is judged on (each origin costs one fit per candidate model)."""

from dbsbm.settings.environment import env_int

ANALYTICS_FORECAST_REFRESH_SECONDS = env_int("ANALYTICS_FORECAST_REFRESH_SECONDS", 60 * 60)
ANALYTICS_FORECAST_MAX_ORIGINS = env_int("ANALYTICS_FORECAST_MAX_ORIGINS", 5)
# (metric, grain) of every tenant with enough history and of the platform: the series the default
# dashboards chart over time (executive: handle, net units, ROI, active cappers; operational: placements)
ANALYTICS_FORECAST_DEFAULT_SERIES = [
    ("stake_units", "day"),
    ("units_net", "day"),
    ("roi", "day"),
    ("bets_placed", "day"),
    ("active_cappers", "day"),
]
