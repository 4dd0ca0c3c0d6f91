from rest_framework.routers import SimpleRouter

from apps.privacy.api.views import DataSubjectRequestViewSet, MemberConsentViewSet

router = SimpleRouter()
router.register("privacy/requests", DataSubjectRequestViewSet, basename="privacy-request")
router.register(
    r"tenants/(?P<guild_id>[0-9]+)/members/(?P<discord_user_id>[0-9]+)/consents",
    MemberConsentViewSet,
    basename="member-consent",
)

urlpatterns = router.urls
