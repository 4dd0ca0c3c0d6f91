"""The analytics app's models, one module per part (rollups, dashboards, forecasts, alerting, reports)."""

from apps.analytics.models.forecasts import Forecast

__all__ = ["Forecast"]
