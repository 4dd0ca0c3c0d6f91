"""Settings of deployment (issue #15)."""
