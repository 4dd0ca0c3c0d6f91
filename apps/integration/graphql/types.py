"""GraphQL types over the betting models (strawberry-graphql-django): what a tenant may read of its bets,
legs, cappers and leaderboard. Every list below the root is bounded (a page, or a bet's legs)."""

from datetime import datetime
from decimal import Decimal

import strawberry
import strawberry_django
from django.conf import settings
from django.utils.translation import gettext as _

from apps.betting.models import Bet, BetLeg, Capper
from apps.core.errors import ApplicationError


def page_bounds(first: int, offset: int) -> tuple[int, int]:
    """A page's (start, stop), refused past GRAPHQL_MAX_PAGE_SIZE (a GraphQL error naming the limit)."""
    if not 0 <= first <= settings.GRAPHQL_MAX_PAGE_SIZE:
        raise ApplicationError(
            _("'first' must be between 0 and %(GRAPHQL_MAX_PAGE_SIZE)s.")
            % {"GRAPHQL_MAX_PAGE_SIZE": settings.GRAPHQL_MAX_PAGE_SIZE},
            code="invalid_page",
        )
    if not 0 <= offset <= settings.GRAPHQL_MAX_OFFSET:
        raise ApplicationError(
            _("'offset' must be between 0 and %(GRAPHQL_MAX_OFFSET)s.")
            % {"GRAPHQL_MAX_OFFSET": settings.GRAPHQL_MAX_OFFSET},
            code="invalid_page",
        )
    return offset, offset + first


@strawberry_django.type(BetLeg)
class BetLegType:
    position: int
    market: str
    selection: str
    line: Decimal | None
    odds: int
    description: str
    result: str
    graded_at: datetime | None

    @strawberry_django.field(description="The game's external id; null for a manual leg.")
    def game(self, root: BetLeg) -> str | None:
        return root.game.external_id if root.game_id else None

    @strawberry_django.field(description="The teams of a manual leg.")
    def manual_teams(self, root: BetLeg) -> str:
        return root.manual_teams


@strawberry_django.type(Capper, name="Capper")
class CapperType:
    display_name: str
    is_active: bool
    created_at: datetime

    @strawberry_django.field(description="The capper's Discord user id.")
    def discord_user_id(self, root: Capper) -> str:
        return root.member.discord_user_id

    @strawberry_django.field(description="The capper's bets, newest first (a bounded page).")
    def bets(self, root: Capper, first: int = 20, offset: int = 0) -> list["BetType"]:
        start, stop = page_bounds(first, offset)
        bets = Bet.objects.filter(tenant_id=root.tenant_id, capper=root).select_related("capper__member")
        return list(bets.prefetch_related("legs__game").order_by("-placed_at", "-id")[start:stop])


@strawberry_django.type(Bet, name="Bet")
class BetType:
    id: strawberry.ID
    external_id: str
    stake_units: Decimal
    status: str
    leg_count: int
    american_odds: int
    decimal_odds: Decimal
    potential_profit: Decimal
    net_units: Decimal | None
    placed_at: datetime
    settled_at: datetime | None
    capper: CapperType

    @strawberry_django.field(description="The bet's legs in order (at most 12).")
    def legs(self, root: Bet) -> list[BetLegType]:
        return sorted(root.legs.all(), key=lambda leg: leg.position)


@strawberry.type(name="LeaderboardRow")
class LeaderboardRowType:
    rank: int
    discord_user_id: str
    display_name: str
    won: int
    lost: int
    push: int
    void: int
    staked_units: Decimal
    net_units: Decimal
    roi: Decimal | None
