from decimal import Decimal

import pytest

from apps.audit.models import AuditEvent
from apps.betting.models import Bet, BetLeg

pytestmark = pytest.mark.django_db
BULK = "/api/v1/tenants/111111111111111111/bets/bulk/"


def _bet(external_id: str, *, odds=-110, stake="1.00", game="nba-1", capper="500000000000000001") -> dict:
    return {
        "external_id": external_id,
        "capper": capper,
        "stake_units": stake,
        "legs": [{"game": game, "market": "moneyline", "selection": "home", "odds": odds}],
    }


def test_bulk_places_each_bet_on_its_own(capper, make_game, betting_client, place_bet):
    make_game("nba-1")
    place_bet("100", [{"game": "nba-1", "market": "moneyline", "selection": "away", "odds": 120}])
    bets = [
        _bet("101"),
        _bet("100"),  # already recorded
        _bet("102", odds=50),  # invalid odds
        _bet("103", stake="999"),  # above the tenant's max
        {"external_id": "104", "capper": 5},  # wrong shape
        _bet("105", capper="500000000000000999"),  # unknown capper
        _bet("101"),  # repeated within the batch
        _bet("106", game="nope"),  # unknown game
    ]

    response = betting_client.post(BULK, {"bets": bets}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert [(r["index"], r["status"]) for r in body["results"]] == [
        (0, "created"), (1, "existing"), (2, "rejected"), (3, "rejected"),
        (4, "rejected"), (5, "rejected"), (6, "existing"), (7, "rejected"),
    ]  # fmt: skip
    assert (body["created"], body["existing"], body["rejected"]) == (1, 2, 5)
    results = body["results"]
    assert results[6]["id"] == results[0]["id"]
    assert "odds 50 are not valid American odds" in results[2]["message"]
    assert results[3]["fields"] == {"stake_units": ["Must be between 0.10 and 10.00 units for this tenant."]}
    assert set(results[4]["fields"]) == {"capper", "stake_units", "legs"}
    assert results[5]["fields"] == {"capper": ["Unknown or inactive capper."]}
    assert "unknown game 'nope'" in results[7]["message"]
    created = Bet.objects.get(external_id="101")
    assert created.potential_profit == Decimal("0.9091")
    assert BetLeg.objects.filter(bet=created).count() == 1
    assert AuditEvent.objects.filter(action="betting.bet_placed", target_id=str(created.pk)).count() == 1
    assert Bet.objects.count() == 2


def test_bulk_refuses_more_than_500_bets_and_writes_nothing(capper, make_game, betting_client):
    make_game("nba-1")
    response = betting_client.post(BULK, {"bets": [_bet(str(n)) for n in range(501)]}, format="json")
    assert response.status_code == 400
    assert "bets" in response.json()["fields"]
    assert not Bet.objects.exists()


def test_bulk_applies_the_per_capper_placement_limit(capper, make_game, betting_client, settings):
    settings.RATELIMIT_BET_PLACEMENTS_PER_CAPPER = 3
    make_game("nba-1")
    response = betting_client.post(BULK, {"bets": [_bet(str(n)) for n in range(5)]}, format="json")
    statuses = [(r["status"], r["code"]) for r in response.json()["results"]]
    assert statuses == [("created", "")] * 3 + [("rejected", "throttled")] * 2
    assert Bet.objects.count() == 3


def test_bulk_needs_bets_write(tenant, make_key, client_with_key, capper):
    _, secret = make_key(["bets:read"], tenant=tenant)
    response = client_with_key(secret).post(BULK, {"bets": [_bet("1")]}, format="json")
    assert response.status_code == 403
    assert not Bet.objects.exists()
