"""The analytics app's services, one module per part (forecasts, rollups, dashboards, alerting, reports)."""
