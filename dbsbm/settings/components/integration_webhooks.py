"""Settings of integration_webhooks (issue #15)."""
