"""The analytics app's models, one module per part (rollups, dashboards, forecasts, alerting, reports)."""

from apps.analytics.models.dashboards import ChartType, Dashboard, DashboardKind, DashboardScope, Widget

__all__ = ["ChartType", "Dashboard", "DashboardKind", "DashboardScope", "Widget"]
