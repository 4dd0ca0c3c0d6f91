from rest_framework.routers import SimpleRouter

from apps.analytics.api.forecasts import PlatformForecastViewSet, TenantForecastViewSet

TENANT = r"tenants/(?P<guild_id>[0-9]+)"

router = SimpleRouter()
router.register("analytics/forecast", PlatformForecastViewSet, basename="analytics-forecast")
router.register(f"{TENANT}/analytics/forecast", TenantForecastViewSet, basename="tenant-analytics-forecast")

urlpatterns = router.urls
