from rest_framework.routers import SimpleRouter

from apps.security.api.views import AlertViewSet, SecurityEventViewSet

router = SimpleRouter()
router.register("security/alerts", AlertViewSet, basename="security-alert")
router.register("security/events", SecurityEventViewSet, basename="security-event")

urlpatterns = router.urls
