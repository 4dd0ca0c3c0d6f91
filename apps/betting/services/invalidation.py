"""Which cached reads a betting write invalidates (apps/core/cache: version bumps, after commit)."""

from collections.abc import Iterable

from apps.core.cache import cache_bump

# A settlement changes the bet, the counts by status, the capper's ledger and the leaderboard.
SETTLEMENT_NAMESPACES = ("bet", "bet_count", "capper_ledger", "leaderboard")


def bets_placed(*, tenant_id: int) -> None:
    cache_bump("bet", "bet_count", tenant_id=tenant_id)


def bets_changed(*, tenant_id: int) -> None:
    """A bet's legs or review flag changed, not its result."""
    cache_bump("bet", tenant_id=tenant_id)


def bets_settled(*, tenant_ids: Iterable[int]) -> None:
    for tenant_id in sorted(set(tenant_ids)):
        cache_bump(*SETTLEMENT_NAMESPACES, tenant_id=tenant_id)


def games_changed() -> None:
    cache_bump("game")
