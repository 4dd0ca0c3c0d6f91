"""A small betting world for the analytics tests, built through the betting services (no ORM shortcuts).

Two leagues (NBA, NHL), two cappers, singles, a parlay, a manual leg, a void, graded from final scores.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from apps.betting.choices import GameStatus
from apps.betting.models import Bet, Capper
from apps.betting.services import bet_place, bet_void, capper_create, game_grade, game_record_result, game_upsert
from apps.betting.services.bets import LegInput


@dataclass
class World:
    tenant: object
    joe: Capper
    ann: Capper
    bets: list[Bet]
    day: datetime  # when the bets were placed


def _game(actor, external_id: str, league: str, sport: str, home: str, away: str, starts_at: datetime):
    game, _ = game_upsert(
        actor=actor,
        external_id=external_id,
        sport=sport,
        league=league,
        home_team=home,
        away_team=away,
        starts_at=starts_at,
    )
    return game


def build_world(*, tenant, actor, suffix: str = "1", hours_ago: float = 30) -> World:
    """Bets placed `hours_ago` hours ago on two games that started an hour later and are final now."""
    placed = timezone.now() - timedelta(hours=hours_ago)
    starts = placed + timedelta(hours=1)
    nba = _game(actor, f"nba-{suffix}", "NBA", "basketball", "Celtics", "Knicks", starts)
    nhl = _game(actor, f"nhl-{suffix}", "NHL", "hockey", "Bruins", "Rangers", starts)
    joe = capper_create(tenant=tenant, actor=actor, discord_user_id=f"5000000000000{suffix:0>5}1", username="joe")
    ann = capper_create(tenant=tenant, actor=actor, discord_user_id=f"5000000000000{suffix:0>5}2", username="ann")

    def place(external_id: str, capper: Capper, stake: str, legs: list[LegInput], minutes: int = 0) -> Bet:
        bet, _ = bet_place(
            tenant=tenant,
            actor=actor,
            external_id=f"{suffix}{external_id}",
            capper=capper,
            stake_units=Decimal(stake),
            legs=legs,
            placed_at=placed + timedelta(minutes=minutes),
        )
        return bet

    bets = [
        place("1001", joe, "2.00", [LegInput("moneyline", "home", -110, nba.external_id)]),  # won
        place("1002", joe, "1.00", [LegInput("total", "over", 120, nhl.external_id, Decimal("5.5"))]),  # won (4-2)
        place("1003", ann, "1.00", [LegInput("spread", "away", -105, nba.external_id, Decimal("3.5"))], 5),  # lost
        place(
            "1004",
            ann,
            "0.50",
            [LegInput("moneyline", "home", 150, nba.external_id), LegInput("moneyline", "home", -120, nhl.external_id)],
            6,
        ),  # parlay: won
        place("1005", ann, "1.00", [LegInput("prop", "LeBron over 25.5 points", 110, None, None, "LeBron")], 7),
        place("1006", joe, "3.00", [LegInput("moneyline", "away", 200, nhl.external_id)], 8),  # voided
    ]
    bet_void(bet=bets[5], actor=actor, reason="posted twice")
    game_record_result(
        actor=actor, external_id=nba.external_id, home_score=110, away_score=100, status=GameStatus.FINAL
    )
    game_record_result(actor=actor, external_id=nhl.external_id, home_score=4, away_score=2, status=GameStatus.FINAL)
    game_grade(game_id=nba.pk, actor=actor)
    game_grade(game_id=nhl.pk, actor=actor)
    return World(tenant=tenant, joe=joe, ann=ann, bets=[Bet.objects.get(pk=bet.pk) for bet in bets], day=placed)
