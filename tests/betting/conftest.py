"""Fixtures of the betting tests: a tenant with a capper, games, and keys with the betting scopes."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.betting.services import capper_create, game_upsert

BETTING_SCOPES = ["bets:read", "bets:write", "bets:settle"]


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
