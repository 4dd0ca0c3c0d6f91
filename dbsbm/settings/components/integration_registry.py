"""Settings of integration_registry (issue #15)."""
