from rest_framework.routers import SimpleRouter

from apps.incidents.api.incidents import IncidentViewSet

router = SimpleRouter()
router.register("incidents", IncidentViewSet, basename="incident")

urlpatterns = router.urls
