from rest_framework.routers import SimpleRouter

from apps.accounts.api.views import MemberViewSet, TenantApiKeyViewSet

router = SimpleRouter()
router.register(r"tenants/(?P<guild_id>[0-9]+)/api-keys", TenantApiKeyViewSet, basename="tenant-api-key")

router.register(r"tenants/(?P<guild_id>[0-9]+)/members", MemberViewSet, basename="tenant-member")

urlpatterns = router.urls
