from rest_framework.routers import SimpleRouter

from apps.tenants.api.views import PlanViewSet, TenantViewSet

router = SimpleRouter()
router.register("plans", PlanViewSet, basename="plan")
router.register("tenants", TenantViewSet, basename="tenant")

urlpatterns = router.urls
