"""The GraphQL schema: read-only (no mutation type, so a mutation is a validation error), every root field
scoped to the tenant the view resolved (`info.context["tenant"]`), and the limits as strawberry extensions:
depth (QueryDepthLimiter), aliases (MaxAliasesLimiter), tokens (MaxTokensLimiter), estimated cost
(cost.QueryCostLimit); errors other than ours and GraphQL's own are masked (no internals leak)."""

import zoneinfo
from datetime import datetime

import strawberry
from django.conf import settings
from graphql import GraphQLError
from strawberry.extensions import AddValidationRules, MaskErrors, MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.types import Info

from apps.betting.selectors import bet_list, capper_list, leaderboard
from apps.core.errors import ApplicationError
from apps.integration.graphql.cost import QueryCostLimit
from apps.integration.graphql.types import BetLegType, BetType, CapperType, LeaderboardRowType, page_bounds
from apps.tenants.models import Tenant


def _tenant(info: Info) -> Tenant:
    return info.context["tenant"]


@strawberry.type
class Query:
    @strawberry.field(description="The tenant's bets with their legs, newest first (a bounded page).")
    def bets(self, info: Info, first: int = 20, offset: int = 0, status: str | None = None) -> list[BetType]:
        start, stop = page_bounds(first, offset)
        bets = bet_list(tenant=_tenant(info))
        if status is not None:
            bets = bets.filter(status=status)
        return list(bets.order_by("-placed_at", "-id")[start:stop])

    @strawberry.field(description="One bet of the tenant by id; null when the tenant has no such bet.")
    def bet(self, info: Info, id: strawberry.ID) -> BetType | None:
        if not str(id).isdigit() or len(str(id)) > 18:
            return None
        return bet_list(tenant=_tenant(info)).filter(pk=int(id)).first()

    @strawberry.field(description="The tenant's cappers by display name (a bounded page).")
    def cappers(self, info: Info, first: int = 20, offset: int = 0) -> list[CapperType]:
        start, stop = page_bounds(first, offset)
        return list(capper_list(tenant=_tenant(info)).order_by("display_name", "id")[start:stop])

    @strawberry.field(description="Cappers ranked by net units for a period (this month by default).")
    def leaderboard(self, info: Info, period: str | None = None, first: int = 20) -> list[LeaderboardRowType]:
        start, stop = page_bounds(first, 0)
        tenant = _tenant(info)
        this_month = datetime.now(zoneinfo.ZoneInfo(tenant.timezone)).strftime("%Y-%m")  # as the REST default
        rows = leaderboard(tenant=tenant, period_label=period or this_month)
        return [LeaderboardRowType(**row) for row in rows[start:stop]]


def _should_mask(error: GraphQLError) -> bool:
    """Only unexpected failures are masked: our ApplicationErrors and GraphQL's own errors are for the client."""
    original = error.original_error
    return original is not None and not isinstance(original, ApplicationError | GraphQLError)


schema = strawberry.Schema(
    query=Query,
    types=[BetLegType],
    # factories: each request gets fresh extension instances (strawberry's extensions keep per-request state)
    extensions=[
        lambda: QueryDepthLimiter(max_depth=settings.GRAPHQL_MAX_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=settings.GRAPHQL_MAX_ALIASES),
        lambda: MaxTokensLimiter(max_token_count=settings.GRAPHQL_MAX_TOKENS),
        lambda: AddValidationRules([QueryCostLimit]),
        lambda: MaskErrors(should_mask_error=_should_mask, error_message="Unexpected error; it has been logged."),
    ],
)
