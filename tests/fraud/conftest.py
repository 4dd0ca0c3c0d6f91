"""Fixtures of the fraud tests: small worlds of cappers, games with scores and settled bets, written
straight into the tables (the detectors read rows; how the rows came about is the betting tests' job)."""

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest

from apps.betting.choices import BetStatus, GameStatus, LegResult, Market, Selection, SettlementSource
from apps.betting.models import Bet, BetLeg, Capper, Game, League, Sport, Team
from apps.betting.services import capper_create
from tests.fraud.helpers import NOW

_numbers = itertools.count(1)


@pytest.fixture
def league(db):
    sport = Sport.objects.create(key="basketball", name="Basketball")
    return League.objects.create(sport=sport, key="nba", name="NBA")


@pytest.fixture
def make_game(league):
    """make_game(days_ago=10, home_score=100, away_score=90, status=final) -> Game."""
    home = Team.objects.create(league=league, name="Home Team")
    away = Team.objects.create(league=league, name="Away Team")

    def _make(*, days_ago: float = 10, home_score: int | None = 100, away_score: int | None = 90, status=None):
        number = next(_numbers)
        starts_at = NOW - timedelta(days=days_ago)
        status = status or (GameStatus.FINAL if home_score is not None else GameStatus.SCHEDULED)
        return Game.objects.create(
            external_id=f"g-{number}",
            league=league,
            home_team=home,
            away_team=away,
            starts_at=starts_at,
            status=status,
            home_score=home_score,
            away_score=away_score,
            finalized_at=starts_at + timedelta(hours=3) if status == GameStatus.FINAL else None,
        )

    return _make


@pytest.fixture
def make_capper(tenant, actor):
    def _make(name: str, *, tenant=tenant) -> Capper:
        return capper_create(tenant=tenant, actor=actor, discord_user_id=str(700000000000000000 + next(_numbers)),
                             username=name)  # fmt: skip

    return _make


@pytest.fixture
def make_bet():
    """make_bet(capper, game, won=True, minutes=-60, ...) -> Bet: a settled straight on the home side.

    `minutes` is when it was placed relative to the game's start (positive: after kick-off).
    """

    def _make(capper: Capper, game: Game, *, won: bool | None = True, minutes: float = -60, odds: int = -110,
              selection: str = Selection.HOME, market: str = Market.MONEYLINE, stake: str = "1.00",
              source: str = SettlementSource.AUTO, settled_by: str = "auto-grading", placed_at=None,
              graded_at=None) -> Bet:  # fmt: skip
        placed_at = placed_at or game.starts_at + timedelta(minutes=minutes)
        decimal_odds = Decimal(1) + (Decimal(odds) / 100 if odds > 0 else Decimal(100) / -odds)
        status = BetStatus.PENDING if won is None else (BetStatus.WON if won else BetStatus.LOST)
        result = LegResult.PENDING if won is None else (LegResult.WON if won else LegResult.LOST)
        bet = Bet.objects.create(
            tenant_id=capper.tenant_id,
            capper=capper,
            external_id=str(next(_numbers)),
            stake_units=Decimal(stake),
            status=status,
            leg_count=1,
            american_odds=odds,
            decimal_odds=decimal_odds.quantize(Decimal("0.000001")),
            potential_profit=Decimal(stake) * (decimal_odds - 1),
            net_units=None if won is None else (Decimal(stake) * (decimal_odds - 1) if won else -Decimal(stake)),
            placed_at=placed_at,
            settled_at=None if won is None else graded_at or game.starts_at + timedelta(hours=4),
            settlement_source="" if won is None else source,
            settled_by="" if won is None else settled_by,
        )
        BetLeg.objects.create(
            bet=bet,
            position=1,
            game=game,
            market=market,
            selection=selection,
            line=Decimal("-1.5") if market == Market.SPREAD else None,
            odds=odds,
            result=result,
            graded_at=None if won is None else graded_at or game.starts_at + timedelta(hours=4),
            graded_source="" if won is None else source,
        )
        return bet

    return _make


@pytest.fixture
def security_client(make_key, client_with_key):
    """A platform key with security:read and security:write."""
    _, secret = make_key(["security:read", "security:write"])
    return client_with_key(secret)
