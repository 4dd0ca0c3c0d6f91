"""Every read the analytics pages, the admin and the API use, one module per part (alerting, …)."""
