"""A betting world for the rollup tests, and the changes the randomized test draws, all through the
betting services: placements (singles, parlays, manual legs), API settlements, staff corrections, voids,
final scores with auto-grading (and cancellations), corrected final scores, fixtures moved to another
league, and refreshes of the rollups' queue in between.

Tenants sit in time zones far apart (UTC, New York, Kiritimati at UTC+14, Kolkata at UTC+5:30 whose
hours start on the half hour), and bets are placed over the last three days, so local days, weeks and
hours differ between tenants and from UTC.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.analytics.services.rollups import rollups_rebuild, rollups_refresh
from apps.betting.choices import FINAL_BET_STATUSES, OPEN_BET_STATUSES, BetStatus, GameStatus, LegResult
from apps.betting.models import Bet, Capper, Game
from apps.betting.services import (
    bet_correct,
    bet_place,
    bet_settle,
    bet_void,
    capper_create,
    game_correct_score,
    game_grade,
    game_record_result,
    game_upsert,
)
from apps.betting.services.bets import LegInput
from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.tenants.models import Tenant
from apps.tenants.services import tenant_create

ZONES = ("UTC", "America/New_York", "Pacific/Kiritimati", "Asia/Kolkata")
LEAGUES = (("NBA", "basketball", "Celtics", "Knicks"), ("NHL", "hockey", "Bruins", "Rangers"))
ODDS = (-150, -110, 100, 120, 250)
RESULTS = (LegResult.WON, LegResult.LOST, LegResult.PUSH, LegResult.VOID)
STAFF = Actor(kind="user", identifier="1", label="staff")
OPERATIONS = 10  # kinds of change, see `apply`


@dataclass
class RollupWorld:
    tenants: list[Tenant]
    cappers: dict[int, list[Capper]]  # tenant id -> its cappers
    games: list[Game]
    actor: Actor


def build_rollup_world(*, actor: Actor, games: int = 6) -> RollupWorld:
    """Four tenants (one per zone of ZONES) with two cappers each, `games` fixtures that started in the
    last hours (so they can be final), and every tenant's rollups built (empty)."""
    tenants, cappers = [], {}
    for number, zone in enumerate(ZONES, start=1):
        tenant = tenant_create(
            actor=actor,
            guild_id=f"77700000000000000{number}",
            name=f"Rollup Guild {number}",
            plan_code="enterprise",
            timezone_name=zone,
            unit_min=Decimal("0.10"),
            unit_max=Decimal("100.00"),
        )
        tenants.append(tenant)
        cappers[tenant.pk] = [
            capper_create(tenant=tenant, actor=actor, discord_user_id=f"8880000000000{number}{seat}00", username=name)
            for seat, name in ((1, f"ann{number}"), (2, f"bob{number}"))
        ]
    fixtures = []
    for number in range(games):
        league, sport, home, away = LEAGUES[number % 2]
        game, _ = game_upsert(
            actor=actor,
            external_id=f"rollup-{number}",
            sport=sport,
            league=league,
            home_team=f"{home} {number}",
            away_team=f"{away} {number}",
            starts_at=timezone.now() - timedelta(hours=1 + number),
        )
        fixtures.append(game)
    for tenant in tenants:
        rollups_rebuild(tenant=tenant, actor=actor)
    return RollupWorld(tenants=tenants, cappers=cappers, games=fixtures, actor=actor)


def _open_games(world: RollupWorld) -> list[Game]:
    ids = [game.pk for game in world.games]
    return list(Game.objects.filter(pk__in=ids, status=GameStatus.SCHEDULED).order_by("pk"))


def _bets(world: RollupWorld, statuses) -> list[Bet]:
    return list(Bet.objects.filter(tenant__in=world.tenants, status__in=statuses).order_by("pk"))


def _leg(game: Game | None, pick: int) -> LegInput:
    odds = ODDS[pick % len(ODDS)]
    if game is None:
        return LegInput("prop", f"player prop {pick}", odds, None, None, f"Manual prop {pick}")
    market = ("moneyline", "spread", "total")[pick % 3]
    selection = {"moneyline": "home", "spread": "away", "total": "over"}[market]
    line = None if market == "moneyline" else Decimal("3.5")
    return LegInput(market, selection, odds, game.external_id, line)


def apply(world: RollupWorld, operation: tuple[int, int, int, int, int], number: int) -> None:
    """Apply one drawn change (kind, then four draws that pick its targets); a change the services refuse
    (a final game, a repeated void…) is simply not made."""
    kind, first, second, third, fourth = operation
    try:
        with transaction.atomic():
            _CHANGES[kind % OPERATIONS](world, first, second, third, fourth, number)
    except ApplicationError:
        pass


def _place(world: RollupWorld, first, second, third, fourth, number, legs) -> None:
    tenant = world.tenants[first % len(world.tenants)]
    capper = world.cappers[tenant.pk][second % 2]
    hours_ago = (third * 7 + fourth * 13 + number * 5) % 70 + (fourth % 60) / 60
    bet_place(
        tenant=tenant,
        actor=world.actor,
        external_id=f"r{number}-{first}-{second}-{third}-{fourth}",
        capper=capper,
        stake_units=Decimal(str(1 + (third % 5) / 2)),
        legs=legs,
        placed_at=timezone.now() - timedelta(hours=hours_ago),
    )


def _place_single(world, first, second, third, fourth, number) -> None:
    games = _open_games(world)
    if games:
        _place(world, first, second, third, fourth, number, [_leg(games[third % len(games)], fourth)])


def _place_parlay(world, first, second, third, fourth, number) -> None:
    games = _open_games(world)
    if len(games) < 2:
        return
    chosen = [games[(third + offset) % len(games)] for offset in range(2 + fourth % 2)]
    legs = [_leg(game, fourth + index) for index, game in enumerate(dict.fromkeys(chosen))]
    if second % 3 == 0:
        legs.append(_leg(None, fourth))  # a manual leg inside the parlay
    _place(world, first, second, third, fourth, number, legs)


def _place_manual(world, first, second, third, fourth, number) -> None:
    _place(world, first, second, third, fourth, number, [_leg(None, fourth)])


def _settle(world, first, second, third, fourth, number) -> None:
    bets = _bets(world, OPEN_BET_STATUSES)
    if bets:
        bet = bets[first % len(bets)]
        pending = list(bet.legs.filter(result=LegResult.PENDING).order_by("position"))
        if fourth % 2 == 0 and len(pending) > 1:
            pending = pending[:1]  # one leg graded by hand: the bet waits for its games (auto-grading, lag)
        results = {leg.pk: RESULTS[(second + index * third) % 4] for index, leg in enumerate(pending)}
        bet_settle(bet=bet, actor=world.actor, leg_results=results)


def _correct(world, first, second, third, fourth, number) -> None:
    bets = _bets(world, FINAL_BET_STATUSES - {BetStatus.CANCELLED})
    if bets:
        bet = bets[first % len(bets)]
        legs = bet.legs.order_by("position")
        results = {leg.pk: RESULTS[(second + index + third) % 4] for index, leg in enumerate(legs)}
        bet_correct(bet=bet, actor=STAFF, leg_results=results, reason="correction drawn by the test")


def _void(world, first, second, third, fourth, number) -> None:
    bets = _bets(world, [*OPEN_BET_STATUSES, BetStatus.WON, BetStatus.LOST, BetStatus.PUSH])
    if bets:
        bet_void(bet=bets[first % len(bets)], actor=world.actor, reason="voided by the test")


def _finish_game(world, first, second, third, fourth, number) -> None:
    games = _open_games(world)
    if games:
        game = games[first % len(games)]
        status = GameStatus.CANCELLED if second % 5 == 0 else GameStatus.FINAL
        game_record_result(
            actor=world.actor, external_id=game.external_id, home_score=third % 7, away_score=fourth % 7, status=status
        )
        game_grade(game_id=game.pk, actor=world.actor)


def _correct_score(world, first, second, third, fourth, number) -> None:
    finals = list(Game.objects.filter(pk__in=[g.pk for g in world.games], status=GameStatus.FINAL).order_by("pk"))
    if finals:
        game = finals[first % len(finals)]
        home, away = (game.home_score + 1 + second % 3) % 9, (game.away_score + third % 4) % 9
        game_correct_score(game=game, actor=STAFF, home_score=home, away_score=away, reason="score corrected")


def _refresh(world, first, second, third, fourth, number) -> None:
    rollups_refresh()


def _move_game(world, first, second, third, fourth, number) -> None:
    games = _open_games(world)
    if games:
        game = games[first % len(games)]
        league, sport, _, _ = LEAGUES[(second + 1) % 2]
        game_upsert(
            actor=world.actor,
            external_id=game.external_id,
            sport=sport,
            league=league,
            home_team=game.home_team.name,
            away_team=game.away_team.name,
            starts_at=game.starts_at,
        )


_CHANGES = (
    _place_single,
    _place_parlay,
    _place_manual,
    _settle,
    _correct,
    _void,
    _finish_game,
    _correct_score,
    _refresh,
    _move_game,
)
