"""Reads of the Discord commands that betting's selectors do not offer in this shape."""

from django.db.models import Prefetch

from apps.betting.choices import OPEN_BET_STATUSES
from apps.betting.models import Bet, BetLeg, Capper
from apps.tenants.models import Tenant


def capper_open_bets(*, tenant: Tenant, capper: Capper, limit: int) -> tuple[list[Bet], int]:
    """(the capper's `limit` newest pending or live bets with their legs and games, how many there are):
    three queries whatever the number of legs."""
    open_bets = Bet.objects.filter(tenant=tenant, capper=capper, status__in=OPEN_BET_STATUSES)
    legs = BetLeg.objects.select_related("game__home_team", "game__away_team").order_by("position")
    bets = list(open_bets.prefetch_related(Prefetch("legs", queryset=legs)).order_by("-placed_at", "-pk")[:limit])
    total = len(bets) if len(bets) < limit else open_bets.count()
    return bets, total
