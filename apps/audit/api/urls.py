from rest_framework.routers import SimpleRouter

from apps.audit.api.views import PlatformAuditEventViewSet, TenantAuditEventViewSet

router = SimpleRouter()
router.register("audit-events", PlatformAuditEventViewSet, basename="audit-event")
router.register(r"tenants/(?P<guild_id>[0-9]+)/audit-events", TenantAuditEventViewSet, basename="tenant-audit-event")

urlpatterns = router.urls
