from decimal import Decimal

import pytest
from django.utils import timezone

from apps.betting.models import Bet, LedgerEntry

pytestmark = pytest.mark.django_db
BETS = "/api/v1/tenants/111111111111111111/bets/"


def _bet(external_id: str, legs: list[dict], stake: str = "2.00") -> dict:
    return {"external_id": external_id, "capper": "500000000000000001", "stake_units": stake, "legs": legs}


def test_a_straight_bet_is_placed_graded_by_the_final_score_and_counted_in_the_ledger(
    capper, make_game, betting_client, games_client, django_capture_on_commit_callbacks
):
    make_game("nba-1")
    placed = betting_client.post(
        BETS,
        _bet("9001", [{"game": "nba-1", "market": "spread", "selection": "home", "line": "-3.5", "odds": -110}]),
        format="json",
    )
    assert placed.status_code == 201, placed.json()
    assert placed.json()["potential_profit"] == "1.8182"
    assert placed.json()["american_odds"] == -110

    with django_capture_on_commit_callbacks(execute=True):
        result = games_client.post("/api/v1/games/nba-1/result/", {"home_score": 110, "away_score": 100}, format="json")
    assert result.status_code == 200, result.json()

    bet = Bet.objects.get(external_id="9001")
    assert bet.status == "won"
    assert bet.net_units == Decimal("1.8182")
    assert LedgerEntry.objects.filter(bet=bet).count() == 1
    period = timezone.now().strftime("%Y-%m")
    ledger = betting_client.get(
        f"/api/v1/tenants/111111111111111111/cappers/500000000000000001/ledger/?period={period}"
    )
    assert ledger.json() == {
        "period": period,
        "won": 1,
        "lost": 0,
        "push": 0,
        "void": 0,
        "staked_units": "2.0000",
        "net_units": "1.8182",
        "roi": "0.9091",
    }


def test_posting_the_same_message_twice_returns_the_first_bet(capper, make_game, betting_client):
    make_game("nba-2")
    body = _bet("9002", [{"game": "nba-2", "market": "moneyline", "selection": "away", "odds": 150}])
    first = betting_client.post(BETS, body, format="json")
    second = betting_client.post(BETS, body, format="json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Bet.objects.count() == 1


def test_settling_a_final_bet_is_a_conflict(capper, make_game, betting_client):
    make_game("nba-3")
    bet = betting_client.post(
        BETS, _bet("9003", [{"game": "nba-3", "market": "moneyline", "selection": "away", "odds": 150}]), format="json"
    ).json()
    url = f"{BETS}{bet['id']}/settle/"
    assert (
        betting_client.post(url, {"result": "won", "settled_by": "500000000000000001"}, format="json").status_code
        == 200
    )
    again = betting_client.post(url, {"result": "lost"}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "bet_already_settled"
    assert LedgerEntry.objects.count() == 1


def test_a_parlay_with_a_pushed_leg_pays_the_other_legs(capper, make_game, betting_client):
    make_game("nba-4")
    make_game("nba-5", home="Lakers", away="Suns")
    bet = betting_client.post(
        BETS,
        _bet(
            "9004",
            [
                {"game": "nba-4", "market": "total", "selection": "over", "line": "210", "odds": -110},
                {"game": "nba-5", "market": "moneyline", "selection": "home", "odds": 120},
            ],
            stake="1.00",
        ),
        format="json",
    ).json()
    assert bet["american_odds"] == 320  # decimal 21/11 × 11/5 = 4.2 → +320
    assert bet["decimal_odds"] == "4.200000"
    legs = [{"id": bet["legs"][0]["id"], "result": "push"}, {"id": bet["legs"][1]["id"], "result": "won"}]
    settled = betting_client.post(f"{BETS}{bet['id']}/settle/", {"legs": legs}, format="json").json()
    assert settled["status"] == "won"
    assert settled["net_units"] == "1.2000"
