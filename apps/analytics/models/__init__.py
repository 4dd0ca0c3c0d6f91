"""The analytics app's models, one module per part (rollups, dashboards, forecasts, alerting, reports)."""
