"""Every state change of the analytics app, one module per part (alerting, insights, …)."""
