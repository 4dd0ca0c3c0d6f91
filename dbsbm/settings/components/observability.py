"""Settings of observability (issue #15)."""
