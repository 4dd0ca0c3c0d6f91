"""The analytics API's routes. Each part registers its own viewsets below (one line each)."""

from rest_framework.routers import SimpleRouter

from apps.analytics.api.catalogue import PlatformMetricCatalogueViewSet, TenantMetricCatalogueViewSet
from apps.analytics.api.forecasts import PlatformForecastViewSet, TenantForecastViewSet
from apps.analytics.api.queries import PlatformMetricQueryViewSet, TenantMetricQueryViewSet

TENANT = r"tenants/(?P<guild_id>[0-9]+)"

router = SimpleRouter()
router.register("analytics/query", PlatformMetricQueryViewSet, basename="analytics-query")
router.register("analytics/metrics", PlatformMetricCatalogueViewSet, basename="analytics-metrics")
router.register("analytics/forecast", PlatformForecastViewSet, basename="analytics-forecast")
router.register(f"{TENANT}/analytics/query", TenantMetricQueryViewSet, basename="tenant-analytics-query")
router.register(f"{TENANT}/analytics/metrics", TenantMetricCatalogueViewSet, basename="tenant-analytics-metrics")
router.register(f"{TENANT}/analytics/forecast", TenantForecastViewSet, basename="tenant-analytics-forecast")

urlpatterns = router.urls
