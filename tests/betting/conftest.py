"""Fixtures of the betting tests: a tenant with a capper, games, and keys with the betting scopes."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.betting.models import Bet, BetLeg, LedgerEntry
from apps.betting.services import bet_place, capper_create, game_upsert
from apps.betting.services.bets import LegInput
from tests.betting.helpers import BETTING_SCOPES


@pytest.fixture
def capper(tenant, actor):
    return capper_create(tenant=tenant, actor=actor, discord_user_id="500000000000000001", username="joe")


@pytest.fixture
def make_game(db, actor):
    """make_game(external_id, starts_in_hours=-3) -> Game (NBA, home vs away)."""

    def _make(external_id: str, *, starts_in_hours: float = -3, home: str = "Celtics", away: str = "Knicks"):
        game, _ = game_upsert(
            actor=actor,
            external_id=external_id,
            sport="basketball",
            league="NBA",
            home_team=home,
            away_team=away,
            starts_at=timezone.now() + timedelta(hours=starts_in_hours),
        )
        return game

    return _make


@pytest.fixture
def betting_client(tenant, make_key, client_with_key):
    """An API client with a key of `tenant` holding the betting scopes."""
    _, secret = make_key(BETTING_SCOPES, tenant=tenant)
    return client_with_key(secret)


@pytest.fixture
def games_client(make_key, client_with_key):
    """An API client with a platform key that may post games and results."""
    _, secret = make_key(["games:write"])
    return client_with_key(secret)


@pytest.fixture
def make_capper(tenant, actor):
    """make_capper(discord_user_id, username=None, tenant=None) -> Capper."""

    def _make(discord_user_id: str, username: str | None = None, *, tenant=tenant):
        return capper_create(
            tenant=tenant, actor=actor, discord_user_id=discord_user_id, username=username or f"u{discord_user_id[-4:]}"
        )

    return _make


@pytest.fixture
def place_bet(tenant, capper, actor):
    """place_bet(external_id, legs, stake="1.00", placed_at=None, capper=None, tenant=None) -> Bet (service call).

    `legs` are LegInput or dicts of its fields; a leg without a game is a manual leg.
    """

    def _place(external_id, legs, *, stake="1.00", placed_at=None, capper=capper, tenant=tenant):
        bet, created = bet_place(
            tenant=tenant,
            actor=actor,
            external_id=external_id,
            capper=capper,
            stake_units=Decimal(stake),
            legs=[leg if isinstance(leg, LegInput) else LegInput(**leg) for leg in legs],
            placed_at=placed_at,
        )
        assert created
        return bet

    return _place


@pytest.fixture
def row_counts(db):
    """row_counts() -> the number of bets, legs, ledger entries and audit events (to prove nothing was written)."""

    def _counts() -> dict[str, int]:
        return {model.__name__: model.objects.count() for model in (Bet, BetLeg, LedgerEntry, AuditEvent)}

    return _counts
