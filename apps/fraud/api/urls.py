from rest_framework.routers import SimpleRouter

from apps.fraud.api.views import FraudCaseViewSet

router = SimpleRouter()
router.register("security/fraud-cases", FraudCaseViewSet, basename="fraud-case")

urlpatterns = router.urls
