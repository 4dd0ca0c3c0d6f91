"""Settings of integration_api (issue #15)."""
