from django.apps import AppConfig


class IntegrationConfig(AppConfig):
    """System integration (issue #15): outbound webhooks, the Discord interactions endpoint, the results
    feed, the service registry and health checks, API management, deployment manifests."""

    name = "apps.integration"
    label = "integration"
    verbose_name = "Integration"

    def ready(self) -> None:
        from apps.core.observability.collectors import LabelledGauge, metrics_gauge_register
        from apps.integration import receivers  # noqa: F401  (domain signals -> webhook events)
        from apps.integration.feeds.selectors import feed_lag_seconds

        metrics_gauge_register(
            LabelledGauge(
                name="dbsbm_feed_lag_seconds",
                documentation="Seconds since the newest item a results feed has given was updated at the provider.",
                label="source",
                read=feed_lag_seconds,
            )
        )
