"""The analytics app's models, one module per part (rollups, dashboards, forecasts, alerting, reports)."""

from apps.analytics.models.samples import TelemetryCursor, TelemetrySample

__all__ = ["TelemetryCursor", "TelemetrySample"]
