import zoneinfo
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.betting import selectors
from apps.betting.services import bet_settle
from apps.core.cache.stats import stats

pytestmark = pytest.mark.django_db(transaction=True)


def test_cache_warm_fills_the_leaderboard_ledgers_and_todays_games(capper, make_game, place_bet, tenant, actor):
    make_game("nba-1", starts_in_hours=0)
    bet = place_bet("1", [{"game": "nba-1", "market": "moneyline", "selection": "home", "odds": 120}])
    bet_settle(bet=bet, actor=actor, leg_results={bet.legs.get().pk: "won"})
    output = StringIO()

    call_command("cache_warm", stdout=output)

    assert "betting: leaderboards and capper ledgers: 2 keys warmed" in output.getvalue()
    assert "betting: today's games: 1 keys warmed" in output.getvalue()
    stats.reset()
    month = timezone.localtime(bet.placed_at, timezone=zoneinfo.ZoneInfo(tenant.timezone)).strftime("%Y-%m")
    with CaptureQueriesContext(connection) as queries:
        board = selectors.leaderboard(tenant=tenant, period_label=month)
        games = selectors.games_on(day=bet.placed_at.date())
    assert board[0]["won"] == 1
    assert [game["external_id"] for game in games] == ["nba-1"]
    assert [query["sql"] for query in queries] == []  # both answered from the warmed cache


def test_todays_games_endpoint(make_game, betting_client):
    make_game("nba-1", starts_in_hours=0)
    response = betting_client.get("/api/v1/games/today/")
    assert response.status_code == 200
    assert [game["external_id"] for game in response.json()] == ["nba-1"]
    assert betting_client.get("/api/v1/games/today/", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
