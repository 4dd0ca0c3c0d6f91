"""The analytics app's models, one module per part (rollups, dashboards, forecasts, alerting, reports)."""

from apps.analytics.models.reports import ReportDefinition, ReportFile, ReportRun

__all__ = ["ReportDefinition", "ReportFile", "ReportRun"]
