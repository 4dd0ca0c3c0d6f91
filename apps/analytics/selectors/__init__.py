"""Reads of the analytics app, one module per part (dashboards, widgets, drill-down, …)."""
