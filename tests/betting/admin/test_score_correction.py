"""A final game's wrong score is corrected by staff (services/corrections.py, the game admin's action).

The feed gets a 409 for a different score; staff give the new score and a reason, the change is
audited, the legs graded from the old score are graded again with a ledger reversal for settled bets,
and bets settled by hand are flagged for review when the new score contradicts them, never changed.
"""

from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from apps.accounts.choices import StaffRole
from apps.audit.models import AuditEvent
from apps.betting.models import Bet, BetLeg, Game, LedgerEntry
from apps.betting.services import bet_settle, bet_void, game_correct_score, game_grade
from apps.core.errors import ApplicationError, ConflictError

pytestmark = pytest.mark.django_db

GAMES = reverse("admin:betting_game_changelist")


def _ledger(bet: Bet) -> list[tuple]:
    return list(
        LedgerEntry.objects.filter(bet=bet).order_by("sequence").values_list("kind", "result", "units", "reason")
    )


@pytest.fixture
def graded(house, make_game, finish, place, actor):
    """A game final 100-90 (home won), graded: an auto-settled straight on home, an open parlay with a leg on
    it, a bet settled by hand as won on the away side (the score contradicts it already), a voided bet."""
    game, other = make_game("nba-fix"), make_game("nba-open")
    straight = place("2001", (game, "moneyline", "home", 150))
    parlay = place("2002", (game, "moneyline", "home", 150), (other, "moneyline", "home", 150))
    by_hand = place("2003", (game, "moneyline", "away", 120))
    voided = place("2004", (game, "moneyline", "away", 200))
    bet_settle(bet=by_hand, actor=actor, leg_results={by_hand.legs.get().pk: "lost"}, source="api")
    finish(game, 100, 90)
    game_grade(game_id=game.pk, actor=actor)
    bet_void(bet=voided, actor=actor, reason="duplicate post")
    return game, straight, parlay, by_hand, voided


def test_a_correction_regrades_with_ledger_reversal_and_flags_hand_settlements(graded, actor):
    game, straight, parlay, by_hand, voided = graded
    assert Bet.objects.get(pk=straight.pk).status == "won"

    outcome = game_correct_score(game=game, actor=actor, home_score=90, away_score=100, reason="feed swapped sides")

    assert (outcome.legs_regraded, outcome.bets_corrected, outcome.bets_flagged) == (2, 1, 1)
    game.refresh_from_db()
    assert (game.status, game.home_score, game.away_score) == ("final", 90, 100)
    straight.refresh_from_db()
    assert (straight.status, straight.net_units, straight.settlement_source) == ("lost", Decimal("-2.0000"), "auto")
    reason = "score of game nba-fix corrected: feed swapped sides"
    assert _ledger(straight) == [
        ("settle", "won", Decimal("3.0000"), ""),
        ("reverse", "won", Decimal("-3.0000"), reason),
        ("settle", "lost", Decimal("-2.0000"), reason),
    ]
    parlay_leg = BetLeg.objects.get(bet=parlay, game=game)
    assert (parlay_leg.result, parlay_leg.graded_source) == ("lost", "auto")
    assert Bet.objects.get(pk=parlay.pk).status == "pending" and not LedgerEntry.objects.filter(bet=parlay).exists()
    by_hand.refresh_from_db()
    assert (by_hand.status, by_hand.needs_review) == ("lost", True)
    assert "grades it won" in by_hand.review_note
    assert Bet.objects.get(pk=voided.pk).status == "void"
    event = AuditEvent.objects.get(action="betting.game_score_corrected")
    assert (event.target_id, event.reason) == (str(game.pk), "feed swapped sides")
    assert event.changes == {
        "home_score": {"before": 100, "after": 90},
        "away_score": {"before": 90, "after": 100},
    }
    assert AuditEvent.objects.filter(action="betting.bet_corrected", target_id=str(straight.pk)).count() == 1


@pytest.mark.parametrize(
    ("changes", "error", "code"),
    [
        ({"reason": " "}, ApplicationError, "reason_required"),
        ({"home_score": 100, "away_score": 90}, ApplicationError, "score_unchanged"),
    ],
)
def test_a_correction_needs_a_reason_and_a_new_score(graded, actor, changes, error, code):
    game = graded[0]
    before = (list(Bet.objects.values_list("pk", "status", "net_units")), LedgerEntry.objects.count())

    with pytest.raises(error) as raised:
        game_correct_score(game=game, actor=actor, **{"home_score": 1, "away_score": 2, "reason": "x", **changes})

    assert raised.value.code == code
    assert (list(Bet.objects.values_list("pk", "status", "net_units")), LedgerEntry.objects.count()) == before
    assert Game.objects.get(pk=game.pk).home_score == 100


def test_only_a_final_game_is_corrected(house, make_game, actor):
    game = make_game("nba-live")

    with pytest.raises(ConflictError) as raised:
        game_correct_score(game=game, actor=actor, home_score=1, away_score=0, reason="x")

    assert raised.value.code == "game_not_final"
    assert Game.objects.get(pk=game.pk).home_score is None


def test_staff_correct_a_score_through_the_game_admin_action(graded, superuser, superuser_client):
    game, straight, *_ = graded

    page = superuser_client.post(GAMES, {"action": "correct_score", "index": "0", ACTION_CHECKBOX_NAME: [game.pk]})
    assert page.status_code == 200
    assert page.context["form"]["home_score"].initial == 100
    response = superuser_client.post(
        GAMES,
        {
            "action": "correct_score",
            "apply": "yes",
            ACTION_CHECKBOX_NAME: [game.pk],
            "home_score": "90",
            "away_score": "100",
            "reason": "feed swapped sides",
        },
        follow=True,
    )

    assert [str(message) for message in response.context["messages"]] == [
        "Game nba-fix corrected to 100–90 (away–home): 2 leg(s) re-graded, 1 settled bet(s) corrected in the "
        "ledger, 1 bet(s) flagged for review."
    ]
    assert Bet.objects.get(pk=straight.pk).status == "lost"
    event = AuditEvent.objects.get(action="betting.game_score_corrected")
    assert (event.actor_kind, event.actor_identifier) == ("user", str(superuser.pk))


def test_a_correction_without_a_reason_in_the_admin_changes_nothing(graded, superuser_client):
    game = graded[0]
    events = AuditEvent.objects.count()

    response = superuser_client.post(
        GAMES,
        {"action": "correct_score", "apply": "yes", ACTION_CHECKBOX_NAME: [game.pk], "home_score": "1",
         "away_score": "2", "reason": ""},
    )  # fmt: skip

    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["This field is required."]
    assert Game.objects.get(pk=game.pk).home_score == 100
    assert AuditEvent.objects.count() == events


def test_support_cannot_correct_a_score(graded, staff_user, login):
    game = graded[0]
    client = login(staff_user(StaffRole.SUPPORT))

    response = client.post(
        GAMES,
        {"action": "correct_score", "apply": "yes", ACTION_CHECKBOX_NAME: [game.pk], "home_score": "1",
         "away_score": "2", "reason": "mine"},
    )  # fmt: skip

    assert response.status_code in (200, 302, 403)
    assert Game.objects.get(pk=game.pk).home_score == 100
