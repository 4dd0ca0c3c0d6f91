"""The bet-slip OCR route: /api/v1/tenants/{guild_id}/vision/bet-slip/ (POST)."""

from rest_framework.routers import SimpleRouter

from apps.ml.api.vision import BetSlipViewSet

TENANT = r"tenants/(?P<guild_id>[0-9]+)"

router = SimpleRouter()
router.register(f"{TENANT}/vision/bet-slip", BetSlipViewSet, basename="vision-bet-slip")

urlpatterns = router.urls
