from rest_framework.routers import SimpleRouter

from apps.compliance.api.views import CheckRunViewSet, FrameworkViewSet

router = SimpleRouter()
router.register("compliance/frameworks", FrameworkViewSet, basename="compliance-framework")
router.register("compliance/check-runs", CheckRunViewSet, basename="compliance-check-run")

urlpatterns = router.urls
