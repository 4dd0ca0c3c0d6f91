"""Game results only from the platform, only when they make sense; bets only on games still open.

Reproduced holes: a tenant key with games:write posted final scores for the platform's games (and so
graded every tenant's bets); a final score was accepted for a game that had not started; a backdated
placed_at got a bet on a final game accepted and left pending forever.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.accounts.models import ApiKey
from apps.audit.models import AuditEvent
from apps.betting.choices import BetStatus, GameStatus
from apps.betting.models import Bet, Game
from apps.betting.services import game_record_result
from apps.betting.services.bets import CLOCK_SKEW_ALLOWANCE, LegInput
from apps.betting.services.bulk import BetInput, bet_place_many
from apps.core.discord import discord_id_time as discord_message_time
from tests.api.snapshots import snapshot_diff, take_snapshot
from tests.betting.helpers import BETTING_SCOPES

pytestmark = pytest.mark.django_db

HOME = "/api/v1/tenants/111111111111111111/"
BETS = HOME + "bets/"
GAMES = "/api/v1/games/"
JOE = "500000000000000001"
DISCORD_EPOCH_MS = 1_420_070_400_000


def snowflake_at(moment, counter: int = 1) -> str:
    return str(((int(moment.timestamp() * 1000) - DISCORD_EPOCH_MS) << 22) | counter)


def bet_body(external_id: str, game: str, **extra) -> dict:
    leg = {"game": game, "market": "moneyline", "selection": "home", "odds": -110}
    return {"external_id": external_id, "capper": JOE, "stake_units": "1.00", "legs": [leg], **extra}


# --- who may post games and results ----------------------------------------------------------------


def test_a_tenant_key_holding_games_write_cannot_post_a_result(tenant, make_key, client_with_key, make_game):
    """A tenant key row written before the minting rule (games:write on a tenant key) still cannot post."""
    game = make_game("global-1")
    api_key, secret = make_key(["bets:read"], tenant=tenant, name="old bot")
    ApiKey.objects.filter(pk=api_key.pk).update(scopes=["bets:read", "games:write"])
    before = take_snapshot()

    response = client_with_key(secret).post(
        f"{GAMES}global-1/result/", {"home_score": 1, "away_score": 0}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert snapshot_diff(before, take_snapshot()) == {}
    game.refresh_from_db()
    assert (game.status, game.home_score) == (GameStatus.SCHEDULED, None)


# --- results that make sense -----------------------------------------------------------------------


def test_a_final_score_for_a_game_that_has_not_started_is_refused(games_client, make_game):
    game = make_game("future-1", starts_in_hours=2)
    events = AuditEvent.objects.count()

    response = games_client.post(f"{GAMES}future-1/result/", {"home_score": 3, "away_score": 1}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "code": "game_not_started",
        "message": f"Game future-1 starts at {game.starts_at.isoformat()}: it cannot have a final score yet.",
        "fields": {"status": ["A game that has not started cannot be final."]},
    }
    game.refresh_from_db()
    assert (game.status, game.home_score, game.away_score) == (GameStatus.SCHEDULED, None, None)
    assert AuditEvent.objects.count() == events


def test_a_game_that_has_not_started_may_still_be_cancelled(games_client, make_game):
    make_game("future-2", starts_in_hours=2)

    response = games_client.post(
        f"{GAMES}future-2/result/", {"home_score": 0, "away_score": 0, "status": "cancelled"}, format="json"
    )

    assert (response.status_code, response.json()["status"]) == (200, "cancelled")


def test_a_different_score_for_a_final_game_points_to_the_staff_correction(games_client, make_game, actor):
    make_game("done-1")
    game_record_result(actor=actor, external_id="done-1", home_score=2, away_score=1, status=GameStatus.FINAL)

    response = games_client.post(f"{GAMES}done-1/result/", {"home_score": 1, "away_score": 2}, format="json")

    assert response.status_code == 409
    assert response.json() == {
        "code": "game_final",
        "message": (
            "Game done-1 already has a final score (2-1). A different score is a staff correction: "
            "in the admin, Games → select the game → “Correct the final score”, with a reason."
        ),
        "fields": {},
    }
    assert Game.objects.get(external_id="done-1").home_score == 2


# --- bets on games that are over ------------------------------------------------------------------


@pytest.mark.parametrize("status", [GameStatus.FINAL, GameStatus.CANCELLED])
def test_a_backdated_bet_on_a_game_that_is_over_is_refused(capper, betting_client, make_game, actor, status):
    game = make_game("over-1")
    game_record_result(actor=actor, external_id="over-1", home_score=2, away_score=1, status=status)
    before = Bet.objects.count()

    response = betting_client.post(
        BETS,
        bet_body("backdated", "over-1", placed_at=(game.starts_at - timedelta(hours=1)).isoformat()),
        format="json",
    )

    assert response.status_code == 400
    word = "already final" if status == GameStatus.FINAL else "cancelled"
    assert response.json()["fields"] == {"legs": [f"leg 1: game over-1 was {word}" if word == "cancelled"
                                                  else "leg 1: game over-1 is already final"]}  # fmt: skip
    assert Bet.objects.count() == before


def test_a_live_bet_on_a_started_game_is_allowed_and_keeps_its_receive_time(capper, betting_client, make_game):
    make_game("live-1", starts_in_hours=-0.5)
    started = timezone.now()

    response = betting_client.post(BETS, bet_body("live", "live-1"), format="json")

    assert response.status_code == 201, response.json()
    bet = Bet.objects.get(external_id="live")
    assert started <= bet.received_at <= timezone.now()
    assert bet.placed_at == bet.received_at
    assert response.json()["received_at"] is not None


def test_a_placed_at_within_the_clock_skew_allowance_is_taken_as_the_receive_time(capper, betting_client, make_game):
    make_game("skew-1")
    ahead = timezone.now() + CLOCK_SKEW_ALLOWANCE - timedelta(seconds=20)

    response = betting_client.post(BETS, bet_body("skew", "skew-1", placed_at=ahead.isoformat()), format="json")

    assert response.status_code == 201, response.json()
    bet = Bet.objects.get(external_id="skew")
    assert bet.placed_at == bet.received_at < ahead


def test_a_placed_at_beyond_the_clock_skew_allowance_is_refused(capper, betting_client, make_game):
    make_game("skew-2")
    ahead = timezone.now() + CLOCK_SKEW_ALLOWANCE + timedelta(seconds=30)

    response = betting_client.post(BETS, bet_body("ahead", "skew-2", placed_at=ahead.isoformat()), format="json")

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "placed_at": ["Must not be later than the time the server received the bet (2 minutes of clock skew allowed)."]
    }
    assert not Bet.objects.filter(external_id="ahead").exists()


def test_the_discord_message_time_bounds_placed_at(capper, betting_client, make_game):
    make_game("snow-1")
    message_time = timezone.now() - timedelta(minutes=30)
    message_id = snowflake_at(message_time)

    response = betting_client.post(
        BETS, bet_body(message_id, "snow-1", placed_at=(message_time + timedelta(minutes=5)).isoformat()), format="json"
    )

    assert response.status_code == 400
    expected_time = discord_message_time(message_id)
    assert response.json()["fields"] == {
        "placed_at": [f"Must not be later than the Discord message time of external_id ({expected_time.isoformat()})."]
    }


def test_a_snowflake_bet_without_placed_at_is_placed_at_its_message_time(capper, betting_client, make_game):
    make_game("snow-2")
    message_time = timezone.now() - timedelta(minutes=10)
    message_id = snowflake_at(message_time)

    response = betting_client.post(BETS, bet_body(message_id, "snow-2"), format="json")

    assert response.status_code == 201, response.json()
    bet = Bet.objects.get(external_id=message_id)
    assert bet.placed_at == discord_message_time(message_id)
    assert abs(bet.placed_at - message_time) < timedelta(milliseconds=1)
    assert bet.received_at > bet.placed_at


def test_a_snowflake_from_the_future_is_refused(capper, betting_client, make_game):
    make_game("snow-3")
    message_id = snowflake_at(timezone.now() + timedelta(hours=1))

    response = betting_client.post(BETS, bet_body(message_id, "snow-3"), format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["external_id"]


def test_short_message_ids_are_not_read_as_snowflakes():
    assert discord_message_time("1001") is None
    assert discord_message_time("msg-1") is None
    assert discord_message_time("99999999999999999999999") is None
    assert discord_message_time("1183487512345624576") is not None


def test_the_bulk_import_applies_the_same_rules_and_stores_the_receive_time(tenant, capper, actor, make_game):
    game = make_game("bulk-over")
    make_game("bulk-open", home="Lakers", away="Suns")
    game_record_result(actor=actor, external_id="bulk-over", home_score=2, away_score=1, status=GameStatus.FINAL)
    leg = {"market": "moneyline", "selection": "home", "odds": -110}
    started = timezone.now()

    outcomes = bet_place_many(
        tenant=tenant,
        actor=actor,
        bets=[
            BetInput("b-over", JOE, Decimal("1"), [LegInput(game="bulk-over", **leg)],
                     placed_at=game.starts_at - timedelta(hours=1)),
            BetInput("b-open", JOE, Decimal("1"), [LegInput(game="bulk-open", **leg)]),
            BetInput("b-ahead", JOE, Decimal("1"), [LegInput(game="bulk-open", **leg)],
                     placed_at=timezone.now() + timedelta(hours=1)),
        ],
    )  # fmt: skip

    assert [outcome.status for outcome in outcomes] == ["rejected", "created", "rejected"]
    assert outcomes[0].fields == {"legs": ["leg 1: game bulk-over is already final"]}
    assert list(outcomes[2].fields) == ["placed_at"]
    bet = Bet.objects.get(external_id="b-open")
    assert started <= bet.received_at <= timezone.now() and bet.placed_at == bet.received_at


def test_scopes_fixture_is_tenant_safe():
    assert not {"games:write"} & set(BETTING_SCOPES)


def test_a_bet_status_is_untouched_by_a_refused_result(games_client, capper, place_bet, make_game):
    make_game("not-yet", starts_in_hours=1)
    bet = place_bet("early", [{"game": "not-yet", "market": "moneyline", "selection": "home", "odds": 120}])

    games_client.post(f"{GAMES}not-yet/result/", {"home_score": 1, "away_score": 0}, format="json")

    assert Bet.objects.get(pk=bet.pk).status == BetStatus.PENDING
