"""Two equal weeks of betting for the report tests, built through the betting services.

`two_weeks` places tests/analytics/world.py's small world 30 hours ago (inside "the last 7 days" whatever
the hour) and the same six bets by the same two cappers a week earlier (inside the 7 days before), so a
weekly report compares two equal weeks: every change is 0 until a test adds bets. `add_parlays` and
`add_single` change the current week, and the tests watch the report's numbers and sentences follow.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from apps.betting.choices import GameStatus
from apps.betting.models import Capper
from apps.betting.services import bet_place, bet_void, game_grade, game_record_result, game_upsert
from apps.betting.services.bets import LegInput
from tests.analytics.world import World, build_world

HOURS_AGO = 30
WEEK = timedelta(days=7)


@dataclass
class TwoWeeks:
    tenant: object
    joe: Capper
    ann: Capper
    current: datetime  # when this week's bets were placed
    previous: datetime  # the week before's


def _game(actor, external_id: str, league: str, sport: str, starts_at: datetime):
    game, _ = game_upsert(
        actor=actor,
        external_id=external_id,
        sport=sport,
        league=league,
        home_team=f"{league} home",
        away_team=f"{league} away",
        starts_at=starts_at,
    )
    return game


def _final(actor, game, home: int, away: int) -> None:
    game_record_result(
        actor=actor, external_id=game.external_id, home_score=home, away_score=away, status=GameStatus.FINAL
    )
    game_grade(game_id=game.pk, actor=actor)


def _place(tenant, actor, external_id: str, capper: Capper, stake: str, legs: list[LegInput], placed: datetime):
    bet, _ = bet_place(
        tenant=tenant,
        actor=actor,
        external_id=external_id,
        capper=capper,
        stake_units=Decimal(stake),
        legs=legs,
        placed_at=placed,
    )
    return bet


def _same_week_before(world: World, *, tenant, actor, tag: str) -> datetime:
    """world.py's six bets again, by the same cappers, a week before: the same figures, graded the same way."""
    placed = world.day - WEEK
    starts = placed + timedelta(hours=1)
    nba = _game(actor, f"nba-{tag}", "NBA", "basketball", starts)
    nhl = _game(actor, f"nhl-{tag}", "NHL", "hockey", starts)
    joe, ann = world.joe, world.ann
    _place(tenant, actor, f"{tag}1", joe, "2.00", [LegInput("moneyline", "home", -110, nba.external_id)], placed)
    _place(
        tenant, actor, f"{tag}2", joe, "1.00", [LegInput("total", "over", 120, nhl.external_id, Decimal("5.5"))], placed
    )
    _place(
        tenant,
        actor,
        f"{tag}3",
        ann,
        "1.00",
        [LegInput("spread", "away", -105, nba.external_id, Decimal("3.5"))],
        placed + timedelta(minutes=5),
    )
    _place(
        tenant,
        actor,
        f"{tag}4",
        ann,
        "0.50",
        [LegInput("moneyline", "home", 150, nba.external_id), LegInput("moneyline", "home", -120, nhl.external_id)],
        placed + timedelta(minutes=6),
    )
    _place(
        tenant,
        actor,
        f"{tag}5",
        ann,
        "1.00",
        [LegInput("prop", "LeBron over 25.5 points", 110, None, None, "LeBron")],
        placed + timedelta(minutes=7),
    )
    void = _place(tenant, actor, f"{tag}6", joe, "3.00", [LegInput("moneyline", "away", 200, nhl.external_id)], placed)
    bet_void(bet=void, actor=actor, reason="posted twice")
    _final(actor, nba, 110, 100)
    _final(actor, nhl, 4, 2)
    return placed


def two_weeks(*, tenant, actor, suffix: str = "1") -> TwoWeeks:
    world = build_world(tenant=tenant, actor=actor, suffix=suffix, hours_ago=HOURS_AGO)
    previous = _same_week_before(world, tenant=tenant, actor=actor, tag=f"w{suffix}")
    return TwoWeeks(tenant=tenant, joe=world.joe, ann=world.ann, current=world.day, previous=previous)


def add_parlays(weeks: TwoWeeks, *, actor, count: int, start: int = 0) -> None:
    """`count` more two-leg parlays by ann this week, 0.50 units each, on manual legs (they stay pending)."""
    for number in range(start, start + count):
        _place(
            weeks.tenant,
            actor,
            f"parlay{number}",
            weeks.ann,
            "0.50",
            [
                LegInput("moneyline", "home", 150, None, None, "Lakers"),
                LegInput("moneyline", "home", -120, None, None, "Bruins"),
            ],
            weeks.current + timedelta(minutes=20 + number),
        )


def add_single(weeks: TwoWeeks, *, actor, capper: Capper, league: str, stake: str, won: bool, tag: str) -> None:
    """One more single this week on a new game of `league`, moneyline home at +100, graded won or lost."""
    game = _game(actor, f"{league.lower()}-{tag}", league, "football", weeks.current + timedelta(hours=1))
    _place(
        weeks.tenant,
        actor,
        f"single-{tag}",
        capper,
        stake,
        [LegInput("moneyline", "home", 100, game.external_id)],
        weeks.current + timedelta(minutes=30),
    )
    _final(actor, game, 24 if won else 10, 17)


def now() -> datetime:
    return timezone.now()
