"""The registry's routes: /api/v1/ml/models/ (list, detail, predict)."""

from rest_framework.routers import SimpleRouter

from apps.ml.api.registry import MlModelViewSet

router = SimpleRouter()
router.register("ml/models", MlModelViewSet, basename="ml-models")

urlpatterns = router.urls
