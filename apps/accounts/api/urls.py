from rest_framework.routers import SimpleRouter

from apps.accounts.api.views import TenantApiKeyViewSet

router = SimpleRouter()
router.register(r"tenants/(?P<guild_id>[0-9]+)/api-keys", TenantApiKeyViewSet, basename="tenant-api-key")

urlpatterns = router.urls
