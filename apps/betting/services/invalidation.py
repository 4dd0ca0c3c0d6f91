"""Which cached reads a betting write invalidates (apps/core/cache: version bumps, after commit)."""

from collections.abc import Iterable

from apps.betting.models import BetLeg
from apps.core.cache import cache_bump

# A settlement changes the bet, the counts by status, the capper's ledger and the leaderboard.
SETTLEMENT_NAMESPACES = ("bet", "bet_count", "capper_ledger", "leaderboard")
# Any tenant's bets changed: the version of reads across tenants (the platform's analytics). A global
# version of its own, because bumping "bet" globally would invalidate every tenant's bet reads.
PLATFORM_NAMESPACE = "bet_platform"


def bets_placed(*, tenant_id: int) -> None:
    cache_bump("bet", "bet_count", tenant_id=tenant_id)
    cache_bump(PLATFORM_NAMESPACE)


def bets_changed(*, tenant_id: int) -> None:
    """A bet's legs or review flag changed, not its result."""
    cache_bump("bet", tenant_id=tenant_id)
    cache_bump(PLATFORM_NAMESPACE)


def bets_changed_on_game(*, game_id: int) -> None:
    """A game moved to another league: the bets with a leg on it are classified anew (analytics' dimensions)."""
    tenant_ids = BetLeg.objects.filter(game_id=game_id).values_list("bet__tenant_id", flat=True).distinct()
    for tenant_id in sorted(set(tenant_ids)):
        bets_changed(tenant_id=tenant_id)


def bets_settled(*, tenant_ids: Iterable[int]) -> None:
    tenant_ids = sorted(set(tenant_ids))
    for tenant_id in tenant_ids:
        cache_bump(*SETTLEMENT_NAMESPACES, tenant_id=tenant_id)
    if tenant_ids:
        cache_bump(PLATFORM_NAMESPACE)


def games_changed() -> None:
    cache_bump("game")


def odds_changed() -> None:
    """A game's quotes changed: the odds reads of every game (one namespace: odds move together)."""
    cache_bump("game_odds")
