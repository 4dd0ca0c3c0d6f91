"""HTTP caching of the betting API: ETags from cache versions, 304s and cached bodies without the
list query, If-Match preconditions, and invalidation by every write. Transactional tests: the cache
stores nothing computed inside a transaction that bumped it (see apps/core/cache/manager.py)."""

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.betting.models import LedgerEntry

pytestmark = pytest.mark.django_db(transaction=True)

TENANT = "/api/v1/tenants/111111111111111111"
UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.25, "SOCKET_TIMEOUT": 0.25},
    }
}


def _straight(external_id: str, game: str = "nba-1", selection: str = "home") -> dict:
    return {
        "external_id": external_id,
        "capper": "500000000000000001",
        "stake_units": "1.00",
        "legs": [{"game": game, "market": "moneyline", "selection": selection, "odds": -110}],
    }


@pytest.fixture
def bets(capper, make_game, betting_client):
    make_game("nba-1")
    for number in range(3):
        assert betting_client.post(f"{TENANT}/bets/", _straight(f"70{number}"), format="json").status_code == 201


def _bet_queries(client, url, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    return response, [query["sql"] for query in queries if "betting_" in query["sql"]]


def test_a_conditional_list_request_is_answered_304_without_the_list_query(bets, betting_client):
    first = betting_client.get(f"{TENANT}/bets/")
    assert first.status_code == 200
    assert first["Cache-Control"] == "private, no-cache"
    assert "Authorization" in first["Vary"]
    assert first["Last-Modified"].endswith("GMT")

    second, betting_sql = _bet_queries(betting_client, f"{TENANT}/bets/", HTTP_IF_NONE_MATCH=first["ETag"])

    assert second.status_code == 304
    assert second["ETag"] == first["ETag"]
    assert second.content == b""
    assert betting_sql == []


def test_a_repeated_list_request_is_served_from_the_cached_body(bets, betting_client):
    first = betting_client.get(f"{TENANT}/bets/")
    second, betting_sql = _bet_queries(betting_client, f"{TENANT}/bets/")
    assert second.status_code == 200
    assert second.json() == first.json()
    assert betting_sql == []


def test_placing_a_bet_changes_the_etag_and_the_list(bets, betting_client):
    first = betting_client.get(f"{TENANT}/bets/")
    assert betting_client.post(f"{TENANT}/bets/", _straight("799"), format="json").status_code == 201

    second = betting_client.get(f"{TENANT}/bets/", HTTP_IF_NONE_MATCH=first["ETag"])

    assert second.status_code == 200
    assert second["ETag"] != first["ETag"]
    assert len(second.json()["results"]) == 4


def test_a_settlement_changes_the_leaderboard_and_the_ledger_at_once(bets, betting_client):
    period = timezone.now().strftime("%Y-%m")
    ledger_url = f"{TENANT}/cappers/500000000000000001/ledger/?period={period}"
    assert betting_client.get(f"{TENANT}/leaderboard/?period={period}").json() == []
    assert betting_client.get(ledger_url).json()["won"] == 0
    bet_id = betting_client.get(f"{TENANT}/bets/").json()["results"][0]["id"]

    assert betting_client.post(f"{TENANT}/bets/{bet_id}/settle/", {"result": "won"}, format="json").status_code == 200

    [row] = betting_client.get(f"{TENANT}/leaderboard/?period={period}").json()
    assert (row["won"], row["net_units"]) == (1, "0.9091")
    assert betting_client.get(ledger_url).json()["won"] == 1
    assert betting_client.get(f"{TENANT}/bets/counts/").json()["won"] == 1


def test_a_final_score_changes_the_cached_reads_of_every_tenant_it_settles(bets, betting_client, games_client):
    period = timezone.now().strftime("%Y-%m")
    assert betting_client.get(f"{TENANT}/leaderboard/?period={period}").json() == []

    games_client.post("/api/v1/games/nba-1/result/", {"home_score": 101, "away_score": 99}, format="json")

    [row] = betting_client.get(f"{TENANT}/leaderboard/?period={period}").json()
    assert row["won"] == 3


def test_a_bet_detail_has_its_own_etag_and_answers_304(bets, betting_client):
    bet_id = betting_client.get(f"{TENANT}/bets/").json()["results"][0]["id"]
    first = betting_client.get(f"{TENANT}/bets/{bet_id}/")

    second = betting_client.get(f"{TENANT}/bets/{bet_id}/", HTTP_IF_NONE_MATCH=first["ETag"])

    assert second.status_code == 304


def test_a_settle_with_a_stale_if_match_is_refused_with_412_and_changes_nothing(bets, betting_client):
    results = betting_client.get(f"{TENANT}/bets/").json()["results"]
    bet_id, other_id = results[0]["id"], results[1]["id"]
    etag = betting_client.get(f"{TENANT}/bets/{bet_id}/")["ETag"]
    betting_client.post(f"{TENANT}/bets/{bet_id}/void/", {"reason": "posted twice"}, format="json", HTTP_IF_MATCH=etag)

    stale = betting_client.post(f"{TENANT}/bets/{bet_id}/settle/", {"result": "won"}, format="json", HTTP_IF_MATCH=etag)

    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed"
    assert LedgerEntry.objects.filter(bet_id=bet_id).count() == 1  # the void only
    current = betting_client.get(f"{TENANT}/bets/{other_id}/")["ETag"]
    settled = betting_client.post(
        f"{TENANT}/bets/{other_id}/settle/", {"result": "lost"}, format="json", HTTP_IF_MATCH=current
    )
    assert settled.status_code == 200
    assert settled["ETag"] != current


def test_the_games_list_is_versioned_by_game_writes(bets, betting_client, make_game):
    first = betting_client.get("/api/v1/games/")
    assert betting_client.get("/api/v1/games/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    make_game("nba-2", home="Lakers", away="Suns")
    assert betting_client.get("/api/v1/games/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_with_redis_unreachable_the_api_answers_from_the_database(bets, betting_client):
    period = timezone.now().strftime("%Y-%m")
    with override_settings(CACHES=UNREACHABLE_REDIS):
        listed = betting_client.get(f"{TENANT}/bets/")
        placed = betting_client.post(f"{TENANT}/bets/", _straight("900"), format="json")
        board = betting_client.get(f"{TENANT}/leaderboard/?period={period}")
    assert (listed.status_code, placed.status_code, board.status_code) == (200, 201, 200)
    assert len(listed.json()["results"]) == 3
    assert "ETag" not in listed
