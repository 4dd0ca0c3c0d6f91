"""Betting admin fixtures: a logged-in superuser, small bets to repair, and 30+ rows behind every list.

In this folder they override tests/betting/conftest.py's `make_game` (games named after their id)."""

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts.choices import StaffRole
from apps.betting.choices import SettlementSource
from apps.betting.services import (
    OddsQuoteInput,
    bet_place,
    bet_settle,
    capper_create,
    game_record_result,
    game_upsert,
    odds_quotes_upsert,
)
from apps.betting.services.bets import LegInput
from apps.tenants.choices import PlanCode
from tests.betting.admin.rows import ROWS
from tests.factories import TenantFactory
from tests.second_factor import verified_client


@pytest.fixture
def superuser(staff_user):
    return staff_user(StaffRole.SUPERUSER, username="root")


@pytest.fixture
def login():
    """login(user) -> a Client with that user's session (force_login: django-axes breaks login())."""

    def _client(user) -> Client:
        return verified_client(user)

    return _client


@pytest.fixture
def superuser_client(superuser, login) -> Client:
    return login(superuser)


@pytest.fixture
def make_game(db, actor):
    """make_game(external_id, league="NBA") -> a game that started three hours ago."""

    def _make(external_id: str, *, league: str = "NBA", sport: str = "basketball"):
        game, _ = game_upsert(
            actor=actor,
            external_id=external_id,
            sport=sport,
            league=league,
            home_team=f"{external_id} home",
            away_team=f"{external_id} away",
            starts_at=timezone.now() - timedelta(hours=3),
        )
        return game

    return _make


@pytest.fixture
def finish(actor):
    """finish(game, home_score, away_score) -> the game, final (grading is not run: no commit in a test)."""

    def _finish(game, home_score: int, away_score: int):
        return game_record_result(
            actor=actor, external_id=game.external_id, home_score=home_score, away_score=away_score, status="final"
        )

    return _finish


@pytest.fixture
def house(db, actor):
    """A tenant on an unlimited plan with one capper."""
    tenant = TenantFactory(guild_id="111111111111111111", name="Home Guild", plan_code=PlanCode.ENTERPRISE)
    capper = capper_create(tenant=tenant, actor=actor, discord_user_id="500000000000000001", username="joe")
    return SimpleNamespace(tenant=tenant, capper=capper)


@pytest.fixture
def place(house, actor):
    """place(external_id, *legs, stake="2.00", capper=None) -> a pending bet.

    A leg is (game, market, selection, odds) or (game, market, selection, line, odds); game None is a manual leg.
    """

    def _place(external_id: str, *legs: tuple, stake: str = "2.00", capper=None):
        inputs = []
        for leg in legs:
            game, market, selection, *rest = leg
            line, odds = (None, rest[0]) if len(rest) == 1 else (Decimal(rest[0]), rest[1])
            description = "" if game is not None else "Lakers @ Suns, LeBron 30+ points"
            inputs.append(
                LegInput(
                    game=game.external_id if game is not None else None,
                    market=market,
                    selection=selection,
                    line=line,
                    odds=odds,
                    description=description,
                )
            )
        capper = capper or house.capper
        bet, created = bet_place(
            tenant=capper.tenant,
            actor=actor,
            external_id=external_id,
            capper=capper,
            stake_units=Decimal(stake),
            legs=inputs,
        )
        assert created
        return bet

    return _place


@pytest.fixture
def betting_rows(db, actor, make_game, finish, place):
    """ROWS cappers in two tenants, ROWS games in two leagues, 2×ROWS bets (half settled) and their ledger."""
    tenants = [
        TenantFactory(guild_id=str(700000000000000000 + number), name=f"Row Guild {number}", plan_code="enterprise")
        for number in range(2)
    ]
    cappers = [
        capper_create(
            tenant=tenants[number % 2],
            actor=actor,
            discord_user_id=str(710000000000000000 + number),
            username=f"capper{number:02}",
        )
        for number in range(ROWS)
    ]
    leagues = [("NBA", "basketball"), ("NFL", "football")]
    games = [
        make_game(f"row-{number:02}", league=leagues[number % 2][0], sport=leagues[number % 2][1])
        for number in range(ROWS)
    ]
    for number in range(ROWS):
        capper, game, next_game = cappers[number], games[number], games[(number + 1) % ROWS]
        straight = place(f"8{number:03}", (game, "moneyline", "home", -110), capper=capper)
        bet_settle(
            bet=straight,
            actor=actor,
            leg_results={straight.legs.get().pk: "won" if number % 2 else "lost"},
            settled_by="discord-user",
            source=SettlementSource.API,
        )
        place(
            f"9{number:03}",
            (game, "spread", "away", "3.5", 120),
            (next_game, "total", "over", "210.5", -105),
            capper=capper,
        )
    for number, game in enumerate(games):  # a quote per game and a moved line on the last: ROWS + 1 quotes
        moves = [(-3 - number % 3, 0)] if number < ROWS - 1 else [(-3, 0), (-4, 30)]
        odds_quotes_upsert(
            actor=actor,
            game=game,
            quotes=[
                OddsQuoteInput(market="spread", selection="home", line=Decimal(line), american_odds=-110,
                               bookmaker="Book", quoted_at=timezone.now() - timedelta(minutes=60 - minutes))
                for line, minutes in moves
            ],
            source="test",
        )  # fmt: skip
    finish(games[0], 100, 90)
    return SimpleNamespace(tenants=tenants, cappers=cappers, games=games)
