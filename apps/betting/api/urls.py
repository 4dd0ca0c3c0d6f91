from rest_framework.routers import SimpleRouter

from apps.betting.api.views import BetViewSet, CapperViewSet, GameViewSet, LeaderboardViewSet

TENANT = r"tenants/(?P<guild_id>[0-9]+)"

router = SimpleRouter()
router.register("games", GameViewSet, basename="game")
router.register(f"{TENANT}/cappers", CapperViewSet, basename="capper")
router.register(f"{TENANT}/bets", BetViewSet, basename="bet")
router.register(f"{TENANT}/leaderboard", LeaderboardViewSet, basename="leaderboard")

urlpatterns = router.urls
