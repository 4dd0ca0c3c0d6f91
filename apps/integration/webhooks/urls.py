"""URLs of this area (included by apps/integration/api/urls.py under /api/v1/)."""

from rest_framework.routers import SimpleRouter

from apps.integration.webhooks.api.views import WebhookViewSet

router = SimpleRouter()
router.register(r"tenants/(?P<guild_id>[0-9]+)/webhooks", WebhookViewSet, basename="tenant-webhook")

urlpatterns = router.urls
