from datetime import UTC, datetime

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.betting import selectors, services
from apps.betting.api.bulk import BULK_STATUSES, bulk_placement
from apps.betting.api.filters import BetFilter, GameFilter
from apps.betting.api.serializers import (
    BetBulkInput,
    BetBulkResultSerializer,
    BetCountsSerializer,
    BetPlaceInput,
    BetSerializer,
    BetSettleInput,
    CapperCreateInput,
    CapperSerializer,
    GameOddsQuery,
    GameOddsSerializer,
    GameResultInput,
    GameRowSerializer,
    GameSerializer,
    GameUpsertInput,
    LeaderboardRowSerializer,
    RecordSerializer,
)
from apps.betting.api.throttles import BetPlacementThrottle
from apps.betting.choices import SettlementSource
from apps.betting.models import Bet, Capper
from apps.betting.periods import current_month_label
from apps.betting.services.bets import LegInput
from apps.core.actors import actor_for_request
from apps.core.api.http_caching import caching_headers, check_if_match, etag_for, not_modified, versioned_read
from apps.core.api.permissions import HasRequiredScope, IsPlatformKey
from apps.core.api.schema import ERROR_RESPONSES
from apps.core.api.serializers import ReasonInput
from apps.core.api.viewsets import ApiViewSet
from apps.tenants.viewsets import TenantScopedViewSet

PERIOD = OpenApiParameter("period", str, description="YYYY-MM, YYYY or lifetime (default: the current month)")
NOT_MODIFIED = {304: OpenApiResponse(description="Not modified since the ETag in If-None-Match")}
PRECONDITION_FAILED = {
    412: OpenApiResponse(ERROR_RESPONSES[400].response, description="If-Match does not match the bet's current ETag")
}
CONFLICT = {409: OpenApiResponse(ERROR_RESPONSES[400].response, description="Conflicts with the current state")}


@extend_schema_view(
    list=extend_schema(
        summary="Cappers of the tenant", responses={200: CapperSerializer(many=True), **ERROR_RESPONSES}
    ),
    create=extend_schema(
        summary="Allow a member to post bets",
        request=CapperCreateInput,
        responses={201: CapperSerializer, **ERROR_RESPONSES, **CONFLICT},
    ),
    ledger=extend_schema(
        summary="A capper's record for a period, from the ledger",
        parameters=[PERIOD],
        responses={200: RecordSerializer, **ERROR_RESPONSES},
    ),
)
class CapperViewSet(mixins.ListModelMixin, TenantScopedViewSet):
    serializer_class = CapperSerializer
    queryset = Capper.objects.none()
    lookup_field = "discord_user_id"
    lookup_value_regex = "[0-9]+"
    required_scopes = {"list": "bets:read", "create": "bets:write", "ledger": "bets:read"}

    def tenant_queryset(self):
        return selectors.capper_list(tenant=self.tenant).order_by("pk")

    def create(self, request, guild_id=None):
        data = CapperCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        capper = services.capper_create(tenant=self.tenant, actor=actor_for_request(request), **data.validated_data)
        return Response(CapperSerializer(capper).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["get"])
    def ledger(self, request, guild_id=None, discord_user_id=None):
        capper = selectors.capper_get(tenant=self.tenant, discord_user_id=discord_user_id)
        period = request.query_params.get("period") or current_month_label(timezone_name=self.tenant.timezone)

        def render() -> Response:
            record = selectors.capper_record(tenant=self.tenant, capper=capper, period_label=period)
            return Response(RecordSerializer(record).data)

        return versioned_read(request, namespaces=["capper_ledger"], tenant_id=self.tenant.pk, render=render)


@extend_schema_view(
    list=extend_schema(
        summary="The tenant's leaderboard for a period",
        parameters=[PERIOD],
        responses={200: LeaderboardRowSerializer(many=True), **ERROR_RESPONSES},
    ),
)
class LeaderboardViewSet(TenantScopedViewSet):
    serializer_class = LeaderboardRowSerializer
    queryset = Capper.objects.none()
    pagination_class = None
    required_scopes = {"list": "bets:read"}
    conditional_reads = {"list": ["leaderboard"]}  # 304s answered early (apps.core.middleware)

    def list(self, request, guild_id=None):
        period = request.query_params.get("period") or current_month_label(timezone_name=self.tenant.timezone)

        def render() -> Response:
            rows = selectors.leaderboard(tenant=self.tenant, period_label=period)
            return Response(LeaderboardRowSerializer(rows, many=True).data)

        return versioned_read(request, namespaces=["leaderboard"], tenant_id=self.tenant.pk, render=render)


@extend_schema_view(
    list=extend_schema(
        summary="Bets of the tenant (ETag: send If-None-Match for a 304)",
        responses={200: BetSerializer(many=True), **NOT_MODIFIED, **ERROR_RESPONSES},
    ),
    retrieve=extend_schema(
        summary="One bet with its legs (ETag: send If-None-Match for a 304, If-Match on settle/void)",
        responses={200: BetSerializer, **NOT_MODIFIED, **ERROR_RESPONSES},
    ),
    bulk=extend_schema(
        summary="Post up to 500 bets at once; each is created, existing (a repeated message) or rejected on its own",
        request=BetBulkInput,
        responses={200: BetBulkResultSerializer, **ERROR_RESPONSES},
    ),
    counts=extend_schema(
        summary="How many bets are in each status",
        responses={200: BetCountsSerializer, **NOT_MODIFIED, **ERROR_RESPONSES},
    ),
    create=extend_schema(
        summary="Post a bet (idempotent by external_id: a repeat returns the first bet with 200)",
        request=BetPlaceInput,
        responses={201: BetSerializer, 200: BetSerializer, **ERROR_RESPONSES},
    ),
    settle=extend_schema(
        summary="Settle legs of a bet (409 when the bet is already final)",
        request=BetSettleInput,
        responses={200: BetSerializer, **ERROR_RESPONSES, **CONFLICT, **PRECONDITION_FAILED},
    ),
    void=extend_schema(
        summary="Void a bet (a settled bet's ledger entry is reversed)",
        request=ReasonInput,
        responses={200: BetSerializer, **ERROR_RESPONSES, **CONFLICT, **PRECONDITION_FAILED},
    ),
)
class BetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    serializer_class = BetSerializer
    queryset = Bet.objects.none()
    filterset_class = BetFilter
    lookup_value_regex = "[0-9]+"
    required_scopes = {
        "list": "bets:read",
        "retrieve": "bets:read",
        "counts": "bets:read",
        "bulk": "bets:write",
        "create": "bets:write",
        "settle": "bets:settle",
        "void": "bets:settle",
    }
    action_throttle_classes = {"create": [BetPlacementThrottle]}
    conditional_reads = {"list": ["bet"], "counts": ["bet_count"]}  # 304s answered early (apps.core.middleware)

    def tenant_queryset(self):
        return selectors.bet_list(tenant=self.tenant)

    def get_object(self):
        return selectors.bet_get(tenant=self.tenant, bet_id=int(self.kwargs["pk"]))

    def _current_etag(self) -> str:
        return etag_for("bet", *selectors.bet_version(tenant=self.tenant, bet_id=int(self.kwargs["pk"])))

    def list(self, request, *args, **kwargs):
        render = lambda: super(BetViewSet, self).list(request, *args, **kwargs)  # noqa: E731
        return versioned_read(request, namespaces=["bet"], tenant_id=self.tenant.pk, render=render)

    def retrieve(self, request, *args, **kwargs):
        etag = self._current_etag()  # one indexed row read: a 304 costs no more than that
        if request.headers.get("If-None-Match") == etag:
            return not_modified(etag)
        return caching_headers(Response(BetSerializer(self.get_object()).data), etag)

    @action(detail=False, methods=["post"])
    def bulk(self, request, guild_id=None):
        data = BetBulkInput(data=request.data)
        data.is_valid(raise_exception=True)
        outcomes = bulk_placement(
            tenant=self.tenant, actor=actor_for_request(request), items=data.validated_data["bets"]
        )
        summary = {status: sum(outcome.status == status for outcome in outcomes) for status in BULK_STATUSES}
        return Response(BetBulkResultSerializer({**summary, "results": outcomes}).data)

    @action(detail=False, methods=["get"])
    def counts(self, request, guild_id=None):
        def render() -> Response:
            return Response(BetCountsSerializer(selectors.bet_status_counts(tenant=self.tenant)).data)

        return versioned_read(request, namespaces=["bet_count"], tenant_id=self.tenant.pk, render=render)

    def create(self, request, guild_id=None):
        data = BetPlaceInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        capper = selectors.capper_get(tenant=self.tenant, discord_user_id=values["capper"])
        bet, created = services.bet_place(
            tenant=self.tenant,
            actor=actor_for_request(request),
            external_id=values["external_id"],
            capper=capper,
            stake_units=values["stake_units"],
            placed_at=values["placed_at"],
            legs=[LegInput(**leg) for leg in values["legs"]],
        )
        bet = selectors.bet_get(tenant=self.tenant, bet_id=bet.pk)
        return Response(BetSerializer(bet).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @action(detail=True, methods=["post"])
    def settle(self, request, guild_id=None, pk=None):
        data = BetSettleInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if stale := check_if_match(request, self._current_etag()):
            return stale
        legs = values.get("legs")
        services.bet_settle(
            bet=self.get_object(),
            actor=actor_for_request(request),
            leg_results=None if legs is None else {leg["id"]: leg["result"] for leg in legs},
            result=values.get("result"),
            reason=values["reason"],
            settled_by=values["settled_by"],
            source=SettlementSource.API,
        )
        return caching_headers(Response(BetSerializer(self.get_object()).data), self._current_etag())

    @action(detail=True, methods=["post"])
    def void(self, request, guild_id=None, pk=None):
        data = ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        if stale := check_if_match(request, self._current_etag()):
            return stale
        services.bet_void(bet=self.get_object(), actor=actor_for_request(request), reason=data.validated_data["reason"])
        return caching_headers(Response(BetSerializer(self.get_object()).data), self._current_etag())


@extend_schema_view(
    list=extend_schema(summary="Games (platform data)", responses={200: GameSerializer(many=True), **ERROR_RESPONSES}),
    retrieve=extend_schema(summary="One game", responses={200: GameSerializer, **ERROR_RESPONSES}),
    today=extend_schema(
        summary="Today's games (UTC), cached",
        responses={200: GameRowSerializer(many=True), **NOT_MODIFIED, **ERROR_RESPONSES},
    ),
    create=extend_schema(
        summary="Create or update a game by external_id (platform key)",
        request=GameUpsertInput,
        responses={201: GameSerializer, 200: GameSerializer, **ERROR_RESPONSES, **CONFLICT},
    ),
    odds=extend_schema(
        summary="A game's odds: the latest quote of each market, selection and bookmaker, or with history=1 "
        "their movement in time order (any key; ETag: send If-None-Match for a 304)",
        parameters=[
            OpenApiParameter("history", bool, description="1: every quote (line movement), newest 2000 at most"),
            OpenApiParameter("market", str, enum=["moneyline", "spread", "total"], description="One market only"),
            OpenApiParameter("bookmaker", str, description="One bookmaker only"),
            OpenApiParameter("since", datetime, description="History only: quotes quoted at or after this time"),
        ],
        responses={200: GameOddsSerializer, **NOT_MODIFIED, **ERROR_RESPONSES},
    ),
    result=extend_schema(
        summary="Post a final score (or a cancellation) of a started game; grades the game's pending legs "
        "(platform key; a different score for a final game is a 409: staff correct it in the admin)",
        request=GameResultInput,
        responses={200: GameSerializer, **ERROR_RESPONSES, **CONFLICT},
    ),
)
class GameViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Games are platform data: any key reads them; only a platform key with `games:write` posts games and
    results (a result grades every tenant's bets on the game)."""

    serializer_class = GameSerializer
    filterset_class = GameFilter
    lookup_field = "external_id"
    lookup_value_regex = "[^/]+"
    required_scopes = {"create": "games:write", "result": "games:write"}
    PLATFORM_ONLY = {"create", "result"}

    def get_permissions(self):
        permissions = [HasRequiredScope()]
        if self.action in self.PLATFORM_ONLY:
            permissions.append(IsPlatformKey())
        return permissions

    def get_queryset(self):
        return selectors.game_list()

    def list(self, request, *args, **kwargs):
        render = lambda: super(GameViewSet, self).list(request, *args, **kwargs)  # noqa: E731
        return versioned_read(request, namespaces=["game"], tenant_id=None, render=render)

    @action(detail=False, methods=["get"])
    def today(self, request):
        games = selectors.games_on(day=datetime.now(UTC).date())
        render = lambda: Response(GameRowSerializer(games, many=True).data)  # noqa: E731
        return versioned_read(request, namespaces=["game"], tenant_id=None, render=render)

    def get_object(self):
        return selectors.game_get(external_id=self.kwargs["external_id"])

    def create(self, request):
        data = GameUpsertInput(data=request.data)
        data.is_valid(raise_exception=True)
        game, created = services.game_upsert(actor=actor_for_request(request), **data.validated_data)
        game = selectors.game_get(external_id=game.external_id)
        return Response(GameSerializer(game).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @action(detail=True, methods=["get"])
    def odds(self, request, external_id=None):
        query = GameOddsQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        game = self.get_object()

        def render() -> Response:
            filters = {"game": game, "market": params.get("market"), "bookmaker": params.get("bookmaker")}
            if params["history"]:
                quotes, truncated = selectors.odds_history(**filters, since=params.get("since"))
            else:
                quotes, truncated = selectors.odds_latest(**filters), False
            body = {"game": game.external_id, "history": params["history"], "truncated": truncated, "quotes": quotes}
            return Response(GameOddsSerializer(body).data)

        return versioned_read(request, namespaces=["game_odds"], tenant_id=None, render=render)

    @action(detail=True, methods=["post"])
    def result(self, request, external_id=None):
        data = GameResultInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.game_record_result(actor=actor_for_request(request), external_id=external_id, **data.validated_data)
        return Response(GameSerializer(self.get_object()).data)
