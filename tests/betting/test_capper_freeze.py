"""A frozen capper (incident response's freeze_capper) posts no new bets, single or bulk, until unfrozen."""

import pytest

from apps.audit.models import AuditEvent
from apps.betting.models import Bet
from apps.betting.services import capper_freeze, capper_unfreeze
from apps.core.errors import ApplicationError

pytestmark = pytest.mark.django_db
BETS = "/api/v1/tenants/111111111111111111/bets/"
BULK = "/api/v1/tenants/111111111111111111/bets/bulk/"


def _bet(external_id: str) -> dict:
    return {
        "external_id": external_id,
        "capper": "500000000000000001",
        "stake_units": "1.00",
        "legs": [{"game": "nba-f", "market": "moneyline", "selection": "home", "odds": -120}],
    }


def test_a_frozen_cappers_bet_is_refused_with_the_reason_and_accepted_again_once_unfrozen(
    capper, make_game, betting_client, actor
):
    make_game("nba-f")
    capper_freeze(capper=capper, actor=actor, reason="INC-7: fraud ring")

    single = betting_client.post(BETS, _bet("8001"), format="json")
    bulk = betting_client.post(BULK, {"bets": [_bet("8002")]}, format="json")

    assert single.status_code == 403
    assert single.json()["code"] == "capper_frozen"
    assert "INC-7: fraud ring" in single.json()["message"]
    assert [(row["status"], row["code"]) for row in bulk.json()["results"]] == [("rejected", "capper_frozen")]
    assert Bet.objects.count() == 0

    capper_unfreeze(capper=capper, actor=actor, reason="cleared")
    assert betting_client.post(BETS, _bet("8003"), format="json").status_code == 201
    assert Bet.objects.count() == 1


def test_freezing_twice_records_one_event_and_a_reason_is_required(capper, actor):
    capper_freeze(capper=capper, actor=actor, reason="ring")
    capper_freeze(capper=capper, actor=actor, reason="ring again")
    with pytest.raises(ApplicationError):
        capper_freeze(capper=capper, actor=actor, reason=" ")

    capper.refresh_from_db()
    assert capper.frozen_reason == "ring"
    assert AuditEvent.objects.filter(action="betting.capper_frozen").count() == 1
    capper_unfreeze(capper=capper, actor=actor)
    capper_unfreeze(capper=capper, actor=actor)
    assert AuditEvent.objects.filter(action="betting.capper_unfrozen").count() == 1
