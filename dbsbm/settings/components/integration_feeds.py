"""Settings of integration_feeds (issue #15)."""
