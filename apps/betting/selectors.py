"""Every read of the betting domain: tenant-scoped, records computed from the ledger."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from apps.betting.choices import BetStatus, GameStatus, LegResult, Market, SettlementSource
from apps.betting.grading import grade_leg_row
from apps.betting.models import Bet, BetLeg, Capper, Game, LedgerEntry, OddsQuote
from apps.betting.periods import Period, parse_period
from apps.core.cache import cache_get_or_set
from apps.core.errors import NotFoundError
from apps.tenants.models import Tenant

ZERO = Value(Decimal(0), output_field=DecimalField(max_digits=18, decimal_places=4))
RECORD_FIELDS = ("won", "lost", "push", "void", "staked_units", "net_units")


def _record_aggregates() -> dict:
    counts = {
        result: Coalesce(Sum("record_sign", filter=Q(result=result)), 0)
        for result in (LegResult.WON, LegResult.LOST, LegResult.PUSH, LegResult.VOID)
    }
    return {
        **counts,
        "staked_units": Coalesce(Sum("staked_units"), ZERO),
        "net_units": Coalesce(Sum("units"), ZERO),
    }


def _in_period(entries: QuerySet, period: Period) -> QuerySet:
    if period.starts_at is not None:
        entries = entries.filter(placed_at__gte=period.starts_at, placed_at__lt=period.ends_at)
    return entries


def _with_roi(record: dict) -> dict:
    staked = record["staked_units"]
    record["roi"] = (record["net_units"] / staked).quantize(Decimal("0.0001")) if staked else None
    return record


def capper_get(*, tenant: Tenant, discord_user_id: str) -> Capper:
    capper = (
        Capper.objects.select_related("member").filter(tenant=tenant, member__discord_user_id=discord_user_id).first()
    )
    if capper is None:
        raise NotFoundError(
            _("No capper with Discord user id %(discord_user_id)s in this tenant.")
            % {"discord_user_id": discord_user_id},
            code="capper_not_found",
        )
    return capper


def capper_list(*, tenant: Tenant) -> QuerySet[Capper]:
    return Capper.objects.filter(tenant=tenant).select_related("member")


def capper_record(*, tenant: Tenant, capper: Capper, period_label: str) -> dict:
    """W/L/P/void, staked and net units and ROI of one capper for a period, summed from the ledger.

    Cached per tenant; every settlement bumps the tenant's `capper_ledger` version.
    """
    period = parse_period(period_label, timezone_name=tenant.timezone)
    return cache_get_or_set(
        "capper_ledger",
        f"{capper.pk}:{period.label}:{tenant.timezone}",
        lambda: _capper_record(tenant=tenant, capper=capper, period=period),
        tenant_id=tenant.pk,
    )


def _capper_record(*, tenant: Tenant, capper: Capper, period: Period) -> dict:
    entries = _in_period(LedgerEntry.objects.filter(tenant=tenant, capper=capper), period)
    record = entries.aggregate(**_record_aggregates())
    return _with_roi({"period": period.label, **record})


def leaderboard(*, tenant: Tenant, period_label: str, limit: int = 50) -> list[dict]:
    """Cappers of a tenant ranked by net units for a period (ties: higher ROI, then fewer bets).

    Cached per tenant; every settlement bumps the tenant's `leaderboard` version.
    """
    period = parse_period(period_label, timezone_name=tenant.timezone)
    return cache_get_or_set(
        "leaderboard",
        f"{period.label}:{limit}:{tenant.timezone}",
        lambda: _leaderboard(tenant=tenant, period=period, limit=limit),
        tenant_id=tenant.pk,
    )


def _leaderboard(*, tenant: Tenant, period: Period, limit: int) -> list[dict]:
    entries = _in_period(LedgerEntry.objects.filter(tenant=tenant), period)
    rows = list(
        entries.values("capper_id")
        .annotate(**_record_aggregates())
        .annotate(
            roi_order=Case(
                When(staked_units__gt=0, then=F("net_units") / F("staked_units")),
                output_field=DecimalField(max_digits=30, decimal_places=10),
            ),
            bet_count=F("won") + F("lost") + F("push") + F("void"),
        )
        .order_by("-net_units", F("roi_order").desc(nulls_last=True), "bet_count", "capper_id")[:limit]
    )
    cappers = Capper.objects.select_related("member").in_bulk([row["capper_id"] for row in rows])
    ranked = []
    for rank, row in enumerate(rows, start=1):
        del row["roi_order"], row["bet_count"]
        capper = cappers[row.pop("capper_id")]
        ranked.append(
            _with_roi(
                {
                    "rank": rank,
                    "discord_user_id": capper.member.discord_user_id,
                    "display_name": capper.display_name,
                    **row,
                }
            )
        )
    return ranked


def bet_list(*, tenant: Tenant) -> QuerySet[Bet]:
    return Bet.objects.filter(tenant=tenant).select_related("capper__member").prefetch_related("legs__game")


def bet_status_counts(*, tenant: Tenant) -> dict[str, int]:
    """How many of the tenant's bets are in each status (cached; placements and settlements bump it)."""

    def count() -> dict[str, int]:
        counts = dict(Bet.objects.filter(tenant=tenant).values_list("status").annotate(total=Count("pk")).order_by())
        return {status: counts.get(status, 0) for status in BetStatus.values}

    return cache_get_or_set("bet_count", "by_status", count, tenant_id=tenant.pk)


def bet_version(*, tenant: Tenant, bet_id: int) -> tuple[int, str]:
    """(id, last change) of one bet, from its row alone: what its ETag is made of."""
    row = Bet.objects.filter(tenant=tenant, pk=bet_id).values_list("pk", "updated_at").first()
    if row is None:
        raise NotFoundError(_("No bet %(bet_id)s in this tenant.") % {"bet_id": bet_id}, code="bet_not_found")
    return row[0], row[1].isoformat()


def bet_get(*, tenant: Tenant, bet_id: int) -> Bet:
    bet = bet_list(tenant=tenant).filter(pk=bet_id).first()
    if bet is None:
        raise NotFoundError(_("No bet %(bet_id)s in this tenant.") % {"bet_id": bet_id}, code="bet_not_found")
    return bet


def game_list() -> QuerySet[Game]:
    return Game.objects.select_related("league__sport", "home_team", "away_team")


def games_on(*, day: date) -> list[dict]:
    """The games starting on a UTC day, as plain rows (cached; every game write bumps `game`)."""

    def rows() -> list[dict]:
        start = datetime.combine(day, time.min, tzinfo=UTC)
        games = game_list().filter(starts_at__gte=start, starts_at__lt=start + timedelta(days=1)).order_by("starts_at")
        return [
            {
                "external_id": game.external_id,
                "sport": game.league.sport.key,
                "league": game.league.key,
                "home_team": game.home_team.name,
                "away_team": game.away_team.name,
                "starts_at": game.starts_at,
                "status": game.status,
                "home_score": game.home_score,
                "away_score": game.away_score,
                "finalized_at": game.finalized_at,
            }
            for game in games
        ]

    return cache_get_or_set("game", f"day:{day.isoformat()}", rows)


def game_get(*, external_id: str) -> Game:
    game = game_list().filter(external_id=external_id).first()
    if game is None:
        raise NotFoundError(
            _("No game with external id %(external_id)s.") % {"external_id": external_id}, code="game_not_found"
        )
    return game


def games_with_pending_legs() -> list[int]:
    """Ids of games grading has yet to finish: final with pending gradeable legs (props are graded by
    people), or cancelled with any pending leg."""
    pending = BetLeg.objects.filter(game=OuterRef("pk"), result=LegResult.PENDING)
    return list(
        Game.objects.alias(has_pending=Exists(pending), has_gradeable=Exists(pending.exclude(market=Market.PROP)))
        .filter(Q(status=GameStatus.CANCELLED, has_pending=True) | Q(status=GameStatus.FINAL, has_gradeable=True))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def pending_past_game_end() -> QuerySet[Bet]:
    """Open bets with a leg on a game that is already final: what auto-grading has not settled."""
    return (
        Bet.objects.filter(
            status__in=[BetStatus.PENDING, BetStatus.LIVE],
            legs__game__status=GameStatus.FINAL,
            legs__result=LegResult.PENDING,
        )
        .distinct()
        .select_related("tenant", "capper")
    )


HAND_GRADED_LEG_FIELDS = (
    "id", "bet_id", "result", "graded_at", "graded_source", "market", "selection", "line",
    "bet__capper_id", "bet__status", "bet__settled_by", "bet__settlement_source", "bet__settled_at",
    "bet__capper__member__discord_user_id", "bet__capper__member__username",
    "game_id", "game__external_id", "game__status", "game__starts_at", "game__finalized_at",
    "game__home_score", "game__away_score",
)  # fmt: skip


def hand_graded_legs(*, bets: QuerySet[Bet]) -> list[dict]:
    """Legs of these bets graded by hand (API or staff) on a listed game, each with `score_result`:
    what the game's final score grades it (None while there is no final score, and for props)."""
    rows = list(
        BetLeg.objects.filter(
            bet__in=bets.order_by().values("id"),
            graded_source__in=[SettlementSource.API, SettlementSource.STAFF],
            game__isnull=False,
        )
        .values(*HAND_GRADED_LEG_FIELDS)
        .order_by("bet_id", "id")
    )
    for row in rows:
        row["score_result"] = None
        if row["game__status"] == GameStatus.FINAL and row["market"] != Market.PROP:
            row["score_result"] = grade_leg_row(
                row, home_score=row["game__home_score"], away_score=row["game__away_score"]
            )
    return rows


# --- issue #16 (machine learning): graded legs as plain rows for the predictive models -------------------

GRADED_LEG_ROW_FIELDS = (
    "id", "bet_id", "bet__capper_id", "bet__tenant_id", "bet__placed_at", "graded_at", "odds", "market",
    "line", "result", "game__league__key", "game__starts_at",
)  # fmt: skip


def graded_leg_rows(
    *, tenant: Tenant | None = None, placed_before: datetime | None = None, decided_only: bool = True
) -> QuerySet:
    """Graded legs as value tuples (GRADED_LEG_ROW_FIELDS, in that order), oldest placement first: what the
    leg win-probability and capper-skill models learn from. `decided_only` keeps won and lost legs (pushes
    and voids say nothing about a price). Every tenant's unless one is named (the models are platform-wide)."""
    results = [LegResult.WON, LegResult.LOST]
    if not decided_only:
        results += [LegResult.PUSH, LegResult.VOID]
    legs = BetLeg.objects.filter(result__in=results)
    if tenant is not None:
        legs = legs.filter(bet__tenant=tenant)
    if placed_before is not None:
        legs = legs.filter(bet__placed_at__lt=placed_before)
    return legs.order_by("bet__placed_at", "id").values_list(*GRADED_LEG_ROW_FIELDS)


def capper_leg_record(*, tenant: Tenant, capper: Capper | None = None) -> list[tuple[int, int, str, int]]:
    """(capper id, leg id, result, American odds) of the tenant's won and lost legs (one capper's if named):
    the per-leg record the capper-skill estimate is computed from."""
    legs = BetLeg.objects.filter(bet__tenant=tenant, result__in=[LegResult.WON, LegResult.LOST])
    if capper is not None:
        legs = legs.filter(bet__capper=capper)
    return list(legs.order_by("bet__capper_id", "id").values_list("bet__capper_id", "id", "result", "odds"))


def league_leg_win_counts() -> dict[str, list[int]]:
    """{league key: [won legs, won + lost legs]} over every tenant ("" for manual legs on no listed game):
    the league means a capper's history is shrunk toward. Cached (fresh for the capper-ledger lifetime)."""

    def counts() -> dict[str, list[int]]:
        rows = (
            BetLeg.objects.filter(result__in=[LegResult.WON, LegResult.LOST])
            .values_list("game__league__key")
            .annotate(won=Count("pk", filter=Q(result=LegResult.WON)), decided=Count("pk"))
            .order_by()
        )
        return {key or "": [won, decided] for key, won, decided in rows}

    return cache_get_or_set("capper_ledger", "league_leg_win_counts", counts)


# ---- odds ----------------------------------------------------------------------------------------

# the history read returns at most this many quotes (the newest), and says when it left some out
ODDS_HISTORY_MAX_ROWS = 2000


def _odds_of(*, game: Game, market: str | None = None, bookmaker: str | None = None) -> QuerySet[OddsQuote]:
    quotes = OddsQuote.objects.filter(game=game)
    if market:
        quotes = quotes.filter(market=market)
    if bookmaker:
        quotes = quotes.filter(bookmaker=bookmaker)
    return quotes


def odds_current(quotes: QuerySet[OddsQuote] | None = None) -> QuerySet[OddsQuote]:
    """The quotes no newer one of the same game/market/selection/bookmaker supersedes: current prices.
    (NOT EXISTS over the unique index, walked backwards: portable to SQLite, unlike DISTINCT ON.)"""
    newer = OddsQuote.objects.filter(
        game=OuterRef("game"),
        market=OuterRef("market"),
        selection=OuterRef("selection"),
        bookmaker=OuterRef("bookmaker"),
        quoted_at__gt=OuterRef("quoted_at"),
    )
    quotes = OddsQuote.objects.all() if quotes is None else quotes
    return quotes.alias(superseded=Exists(newer)).filter(superseded=False)


def odds_latest(*, game: Game, market: str | None = None, bookmaker: str | None = None) -> QuerySet[OddsQuote]:
    """The current price of each side of each market, per bookmaker."""
    quotes = _odds_of(game=game, market=market, bookmaker=bookmaker)
    return odds_current(quotes).order_by("market", "selection", "bookmaker")


def odds_history(
    *, game: Game, market: str | None = None, bookmaker: str | None = None, since: datetime | None = None
) -> tuple[list[OddsQuote], bool]:
    """A game's line movement: its quotes per market/selection/bookmaker in time order (the newest
    ODDS_HISTORY_MAX_ROWS), and whether older ones were left out."""
    quotes = _odds_of(game=game, market=market, bookmaker=bookmaker)
    if since is not None:
        quotes = quotes.filter(quoted_at__gte=since)
    newest = list(quotes.order_by("-quoted_at", "-id")[: ODDS_HISTORY_MAX_ROWS + 1])
    truncated = len(newest) > ODDS_HISTORY_MAX_ROWS
    rows = sorted(
        newest[:ODDS_HISTORY_MAX_ROWS],
        key=lambda quote: (quote.market, quote.selection, quote.bookmaker, quote.quoted_at),
    )
    return rows, truncated


def legs_with_market_odds(legs: QuerySet[BetLeg]) -> QuerySet[BetLeg]:
    """Legs annotated with the market's price of their side when their bet was placed (`market_odds`,
    `market_line`: the newest quote of any bookmaker at or before `placed_at`; None without one). The
    odds-implied probability of a leg's market is `apps.betting.odds.implied_probability(market_odds)`."""
    at_placement = OddsQuote.objects.filter(
        game=OuterRef("game"),
        market=OuterRef("market"),
        selection=OuterRef("selection"),
        quoted_at__lte=OuterRef("bet__placed_at"),
    ).order_by("-quoted_at", "-id")
    return legs.annotate(
        market_odds=Subquery(at_placement.values("american_odds")[:1]),
        market_line=Subquery(at_placement.values("line")[:1]),
    )
