"""Settings of integration_discord (issue #15)."""
