"""Grading many final games in one pass (`games_grade`) equals grading them one by one (`game_grade`)."""

from decimal import Decimal

import pytest
from django.db import transaction

from apps.audit.models import AuditEvent
from apps.betting.choices import LegResult, SettlementSource
from apps.betting.models import Bet, BetLeg, LedgerEntry
from apps.betting.services import bet_settle, game_grade, game_record_result, games_grade
from apps.betting.services.ledger import SETTLE_ENTRY_COLUMNS
from apps.core.actors import Actor

pytestmark = pytest.mark.django_db

GRADER = Actor.system("auto-grading")


class _Undo(Exception):
    pass


def on_game(game: str, market: str = "moneyline", selection: str = "home", odds: int = -110, line=None) -> dict:
    return {"game": game, "market": market, "selection": selection, "odds": odds, "line": line}


def _state(since_event: int) -> dict:
    """Everything grading writes, without the clock."""
    return {
        "legs": list(BetLeg.objects.order_by("pk").values_list("pk", "result", "graded_source")),
        "bets": list(
            Bet.objects.order_by("pk").values_list(
                "pk", "status", "net_units", "settlement_source", "settled_by", "needs_review", "review_note"
            )
        ),
        "ledger": list(
            LedgerEntry.objects.order_by("bet_id", "sequence").values_list(
                "tenant_id",
                "capper_id",
                "bet_id",
                "sequence",
                "kind",
                "result",
                "record_sign",
                "units",
                "staked_units",
                "placed_at",
                "reason",
            )
        ),
        "audit": list(
            AuditEvent.objects.filter(pk__gt=since_event)
            .order_by("pk")
            .values_list("action", "target_type", "target_id", "changes")
        ),
    }


@pytest.fixture
def finished_games(make_game, place_bet, actor):
    """Four games (three final, one cancelled) and a fifth still open; straights, parlays across games, a
    parlay with a leg on the open game, a prop (never auto-graded) and a contradicted manual grade."""
    for name in ("g1", "g2", "g3", "g4", "g5"):
        make_game(name)
    place_bet("s1", [on_game("g1")])
    place_bet("s2", [on_game("g1", "moneyline", "away", 150)], stake="2.50")
    place_bet("s3", [on_game("g2", "spread", "home", -110, Decimal("-3.5"))])
    place_bet("s4", [on_game("g2", "total", "over", -105, Decimal("200.5"))])
    place_bet("s5", [on_game("g3", "total", "under", -110, Decimal("210"))])  # a push
    place_bet("s6", [on_game("g4")])  # cancelled: void
    place_bet("p1", [on_game("g1"), on_game("g2", "moneyline", "away", 120), on_game("g3")], stake="3.00")
    place_bet("p2", [on_game("g3", "moneyline", "away", 140), on_game("g4")])
    place_bet("p3", [on_game("g1"), on_game("g5")])  # stays pending: g5 is not over
    place_bet("prop", [on_game("g2", "prop", "yes", 200)])
    manual = place_bet("m1", [on_game("g1")])
    bet_settle(bet=manual, actor=actor, result=LegResult.LOST, source=SettlementSource.API)  # g1's home wins
    game_record_result(actor=actor, external_id="g1", home_score=110, away_score=100, status="final")
    game_record_result(actor=actor, external_id="g2", home_score=101, away_score=99, status="final")
    game_record_result(actor=actor, external_id="g3", home_score=100, away_score=110, status="final")
    game_record_result(actor=actor, external_id="g4", home_score=0, away_score=0, status="cancelled")
    return sorted(set(BetLeg.objects.exclude(game__external_id="g5").values_list("game_id", flat=True)))


def test_one_pass_grades_exactly_as_game_by_game(finished_games):
    since = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    with pytest.raises(_Undo), transaction.atomic():
        for game_id in finished_games:
            game_grade(game_id=game_id, actor=GRADER)
        one_by_one = _state(since)
        raise _Undo

    outcome = games_grade(game_ids=finished_games, actor=GRADER)

    assert _state(since) == one_by_one
    assert len(one_by_one["audit"]) == len(finished_games)  # one game_graded event per game, as before
    assert (outcome.legs_graded, outcome.bets_settled, outcome.bets_flagged) == (12, 8, 1)
    assert Bet.objects.get(external_id="p3").status == "pending"
    assert Bet.objects.get(external_id="prop").status == "pending"


def test_one_pass_skips_games_not_over_and_grading_again_changes_nothing(finished_games, make_game):
    games_grade(game_ids=finished_games, actor=GRADER)
    open_game = make_game("g6")
    since = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    before = _state(since)

    outcome = games_grade(game_ids=[*finished_games, open_game.pk], actor=GRADER)

    # as with game_grade, the contradicted manual grade is reported (and audited) again; nothing else moves
    assert (outcome.legs_graded, outcome.bets_settled, outcome.bets_flagged) == (0, 0, 1)
    after = _state(since)
    assert {key: after[key] for key in ("legs", "bets", "ledger")} == {
        key: before[key] for key in ("legs", "bets", "ledger")
    }


def test_the_settle_entry_columns_are_the_ledger_model_columns():
    model_columns = {field.column for field in LedgerEntry._meta.concrete_fields} - {"id"}
    assert set(SETTLE_ENTRY_COLUMNS) == model_columns
