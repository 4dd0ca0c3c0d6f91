"""Concurrent graders, settlers and posters of the same bet: one ledger entry, one bet (real transactions)."""

import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, transaction

from apps.betting.choices import LegResult
from apps.betting.models import Bet, Game, LedgerEntry
from apps.betting.services import bet_settle, game_grade
from apps.core.errors import ConflictError
from tests.betting.helpers import BETTING_SCOPES, in_thread, join, run_at_once

pytestmark = pytest.mark.django_db(transaction=True)
BETS = "/api/v1/tenants/111111111111111111/bets/"


def test_two_graders_of_one_game_write_one_ledger_entry_per_bet(make_game, place_bet, actor):
    game = make_game("race-1")
    other = make_game("race-2", home="Lakers", away="Suns")
    bets = [
        place_bet(f"race-{n}", [{"game": "race-1", "market": "moneyline", "selection": "home", "odds": -110 - n}])
        for n in range(20)
    ]
    parlay = place_bet(
        "race-parlay",
        [
            {"game": "race-1", "market": "total", "selection": "over", "line": Decimal("200.5"), "odds": -110},
            {"game": "race-2", "market": "moneyline", "selection": "away", "odds": 130},
        ],
    )
    # Set the score directly: game_record_result would grade at once through its own receiver.
    Game.objects.filter(pk=game.pk).update(status="final", home_score=105, away_score=100)

    outcomes = run_at_once(*[lambda: game_grade(game_id=game.pk, actor=actor)] * 2)

    assert [kind for kind, _ in outcomes] == ["ok", "ok"]
    assert sorted((value.legs_graded, value.bets_settled) for _, value in outcomes) == [(0, 0), (21, 20)]
    assert LedgerEntry.objects.count() == 20
    for bet in bets:
        assert list(LedgerEntry.objects.filter(bet=bet).values_list("sequence", "result")) == [(1, "won")]
    assert list(parlay.legs.order_by("position").values_list("result", flat=True)) == ["won", "pending"]
    assert other.legs.get().result == "pending"


def test_two_settlers_of_one_bet_get_one_success_and_one_conflict(place_bet, actor):
    bet = place_bet("race-settle", [{"market": "moneyline", "selection": "home", "odds": 150, "description": "X v Y"}])
    leg = bet.legs.get()

    outcomes = run_at_once(
        *[lambda: bet_settle(bet=bet, actor=actor, leg_results={leg.pk: LegResult.WON}, settled_by="1")] * 2
    )

    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds == ["error", "ok"]
    [error] = [value for kind, value in outcomes if kind == "error"]
    assert isinstance(error, ConflictError)
    assert error.code == "bet_already_settled"
    assert list(LedgerEntry.objects.filter(bet=bet).values_list("sequence", "result", "units")) == [
        (1, "won", Decimal("1.5000"))
    ]
    assert Bet.objects.get(pk=bet.pk).status == "won"


def test_the_same_bet_posted_twice_at_once_is_one_bet(capper, make_game, betting_client, make_key, client_with_key):
    make_game("race-post")
    _, secret = make_key(BETTING_SCOPES, tenant=capper.tenant, name="second bot")
    clients = [betting_client, client_with_key(secret)]
    body = {
        "external_id": "1234567890",
        "capper": "500000000000000001",
        "stake_units": "1.50",
        "legs": [{"game": "race-post", "market": "moneyline", "selection": "home", "odds": -120}],
    }

    outcomes = run_at_once(*[lambda client=client: client.post(BETS, body, format="json") for client in clients])

    assert [kind for kind, _ in outcomes] == ["ok", "ok"]
    responses = [response for _, response in outcomes]
    assert sorted(response.status_code for response in responses) == [200, 201]
    assert responses[0].json()["id"] == responses[1].json()["id"]
    assert Bet.objects.count() == 1
    assert Bet.objects.get().legs.count() == 1


def _wait_until_a_session_waits_for_a_lock(timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError("no session ever waited for a lock")


def test_a_grader_that_waited_for_a_manual_settlement_does_not_overwrite_it(make_game, place_bet, actor):
    game = make_game("race-manual")
    bet = place_bet(
        "race-manual",
        [
            {"game": "race-manual", "market": "moneyline", "selection": "home", "odds": 120},
            {"market": "moneyline", "selection": "away", "odds": 110, "description": "Manual: A @ B"},
        ],
    )
    on_game, manual = bet.legs.order_by("position")
    Game.objects.filter(pk=game.pk).update(status="final", home_score=3, away_score=1)

    settled = threading.Event()

    def settle_by_hand_and_hold_the_lock() -> None:
        with transaction.atomic():  # the bet stays locked until the grader is queued behind it
            bet_settle(bet=bet, actor=actor, leg_results={on_game.pk: LegResult.LOST}, settled_by="7")
            settled.set()
            _wait_until_a_session_waits_for_a_lock()

    outcomes: list = [None, None]
    settler = in_thread(settle_by_hand_and_hold_the_lock, outcomes, 0)
    assert settled.wait(timeout=10)
    grader = in_thread(lambda: game_grade(game_id=game.pk, actor=actor), outcomes, 1)
    join([settler, grader])

    assert [kind for kind, _ in outcomes] == ["ok", "ok"], outcomes
    on_game.refresh_from_db()
    assert (on_game.result, on_game.graded_source) == ("lost", "api")  # the manual grade stands
    bet.refresh_from_db()
    assert (bet.status, bet.needs_review) == ("pending", True)  # and the final score's disagreement is flagged
    assert manual.result == "pending"
    assert LedgerEntry.objects.filter(bet=bet).count() == 0
