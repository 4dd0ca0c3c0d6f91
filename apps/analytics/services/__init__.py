"""Every state change of the analytics app, one module per part (rollups, dashboards, alerting, reports)."""
