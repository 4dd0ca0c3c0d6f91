from django.apps import AppConfig


class IntegrationConfig(AppConfig):
    """System integration (issue #15): outbound webhooks, the Discord interactions endpoint, the results
    feed, the service registry and health checks, API management, deployment manifests."""

    name = "apps.integration"
    label = "integration"
    verbose_name = "Integration"

    def ready(self) -> None:
        from apps.integration import receivers  # noqa: F401  (domain signals -> webhook events)
