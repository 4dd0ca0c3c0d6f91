from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AnalyticsConfig(AppConfig):
    """Analytics and BI (issue #14): one metric layer (metrics.py) over the ledger and the other apps'
    selectors, rollups kept from the betting signals, the query engine shared by the API, dashboards,
    forecasts, insights, alert rules and BI reports.

    It sits above incidents (it counts incidents, alerts, cases and requests through their models and
    selectors) and below the portal, which shows its dashboards.
    """

    name = "apps.analytics"
    label = "analytics"
    verbose_name = "Analytics and BI"

    def ready(self) -> None:
        from apps.analytics import invalidation  # noqa: F401 - bumps the cache versions of the answers
        from apps.analytics.services.dashboard_defaults import dashboards_ensure_after_migrate

        post_migrate.connect(dashboards_ensure_after_migrate, sender=self, dispatch_uid="analytics.dashboards_ensure")
        from apps.analytics import receivers  # noqa: F401 - the rollups' queue follows the betting signals
