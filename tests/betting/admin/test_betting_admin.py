"""The betting admin: lists within a query budget, the repair actions end to end, the ledger read-only."""

from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from apps.accounts.choices import StaffRole
from apps.audit.models import AuditEvent
from apps.betting.choices import SettlementSource
from apps.betting.models import Bet, BetLeg, Capper, Game, League, LedgerEntry, OddsQuote, Sport, Team
from apps.betting.services import bet_settle
from tests.betting.admin.rows import ROWS

BUDGET = 15  # session, user, counts, filters and the rows: a query per row pushes a page past it
assert BUDGET < ROWS

BETS = reverse("admin:betting_bet_changelist")
PENDING_PAGE = reverse("admin:betting_bet_pending_past_game_end")
MODELS = [Sport, League, Team, Game, Capper, Bet, LedgerEntry, OddsQuote]


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _open_action(client, action: str, *bets):
    """The changelist's POST of an action: it answers with the intermediate page."""
    return client.post(BETS, {"action": action, "index": "0", ACTION_CHECKBOX_NAME: [str(bet.pk) for bet in bets]})


def _apply_action(client, action: str, *bets, reason: str, results: dict | None = None):
    """The intermediate page's POST back, followed to the changelist and its messages."""
    data = {"action": action, "apply": "yes", "reason": reason, ACTION_CHECKBOX_NAME: [str(bet.pk) for bet in bets]}
    data.update({f"leg_{leg.pk}": result for leg, result in (results or {}).items()})
    return client.post(BETS, data, follow=True)


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _state() -> tuple:
    """Everything a repair could change: bets, legs, ledger and audit trail."""
    return (
        list(Bet.objects.order_by("pk").values_list("pk", "status", "net_units", "settlement_source", "needs_review")),
        list(BetLeg.objects.order_by("pk").values_list("pk", "result", "graded_source")),
        list(LedgerEntry.objects.order_by("pk").values_list("pk", "kind", "result", "units")),
        AuditEvent.objects.count(),
    )


def _ledger(bet: Bet) -> list[tuple]:
    return list(
        LedgerEntry.objects.filter(bet=bet).order_by("sequence").values_list("kind", "result", "units", "reason")
    )


def _events(action: str, target) -> list[tuple]:
    return list(
        AuditEvent.objects.filter(action=action, target_id=str(target.pk))
        .order_by("pk")
        .values_list("actor_kind", "actor_identifier", "reason")
    )


# -- lists and pages within a query budget -------------------------------------------------------


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_changelist_renders_every_row_within_budget(
    model, betting_rows, superuser_client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(BUDGET):
        response = superuser_client.get(_url(model, "changelist"))
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == model.objects.count()


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_change_page_renders_within_budget(model, betting_rows, superuser_client, django_assert_max_num_queries):
    obj = model.objects.order_by("-pk").first()  # the last bet is a parlay: its legs render inline
    with django_assert_max_num_queries(BUDGET):
        response = superuser_client.get(_url(model, "change", obj.pk))
    assert response.status_code == 200
    assert response.context["original"] == obj


def test_pending_past_game_end_page_renders_within_budget(
    betting_rows, superuser_client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(BUDGET):
        response = superuser_client.get(PENDING_PAGE)
    assert response.status_code == 200
    # game row-00 is final: the parlays on it (9000, and 9031 whose second leg is on it) are stale
    assert sorted(bet.external_id for bet in response.context["bets"]) == ["9000", "9031"]
    assert [(game.external_id, game.pending_legs) for game in response.context["games"]] == [("row-00", 2)]


def test_settle_form_for_every_open_bet_renders_within_budget(
    betting_rows, superuser_client, django_assert_max_num_queries
):
    open_bets = list(Bet.objects.filter(status="pending"))
    assert len(open_bets) == ROWS
    with django_assert_max_num_queries(BUDGET):
        response = _open_action(superuser_client, "settle_selected", *open_bets)
    assert response.status_code == 200
    assert len(response.context["rows"]) == ROWS
    assert len(response.context["form"].fields) == 1 + 2 * ROWS  # the reason and one select per leg


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "won"}, {f"8{number:03}" for number in range(1, ROWS, 2)}),
        ({"league": "NFL"}, {f"8{n:03}" for n in range(1, ROWS, 2)} | {f"9{n:03}" for n in range(ROWS)}),
        ({"capper": "first", "tenant__id__exact": "first"}, {"8000", "9000"}),
        ({"game": "row-05"}, {"8005", "9005", "9004"}),
        ({"tenant__id__exact": "second", "status": "pending"}, {f"9{n:03}" for n in range(1, ROWS, 2)}),
        ({"needs_review__exact": "1"}, set()),
        ({"q": "capper03"}, {"8003", "9003"}),
    ],
    ids=["status", "league", "capper", "game", "tenant", "needs-review", "search"],
)
def test_bet_filters_list_exactly_the_matching_bets(params, expected, betting_rows, superuser_client):
    first_capper, first_tenant = betting_rows.cappers[0], betting_rows.tenants[0]
    values = {
        "first": str(first_capper.pk),
        "second": str(betting_rows.tenants[1].pk),
        "NFL": str(League.objects.get(name="NFL").pk),
        "row-05": str(Game.objects.get(external_id="row-05").pk),
    }
    query = {name: values.get(value, value) for name, value in params.items()}
    if "tenant__id__exact" in params and params["tenant__id__exact"] == "first":
        query["tenant__id__exact"] = str(first_tenant.pk)
    response = superuser_client.get(BETS, {**query, "all": ""})
    assert response.status_code == 200
    assert {bet.external_id for bet in response.context["cl"].result_list} == expected


# -- settle, void, correct through the intermediate form ------------------------------------------


@pytest.mark.parametrize("action", ["settle_selected", "void_selected", "correct_result"])
@pytest.mark.parametrize("reason", ["", "   "], ids=["empty", "blank"])
def test_a_repair_without_a_reason_changes_nothing(action, reason, house, make_game, place, actor, superuser_client):
    game = make_game("nba-1")
    bet = place("1001", (game, "moneyline", "home", -110))
    leg = bet.legs.get()
    if action == "correct_result":
        bet = bet_settle(bet=bet, actor=actor, leg_results={leg.pk: "won"}, source=SettlementSource.API)
    before = _state()

    page = _open_action(superuser_client, action, bet)
    assert page.status_code == 200
    response = _apply_action(superuser_client, action, bet, reason=reason, results={leg: "lost"})

    assert response.status_code == 200
    assert response.redirect_chain == []  # the form again, with its error
    assert response.context["form"].errors["reason"] == ["This field is required."]
    assert _state() == before


def test_settle_selected_grades_the_chosen_legs_and_settles_complete_bets(
    house, make_game, place, superuser, superuser_client
):
    nba1, nba2, nba3 = make_game("nba-1"), make_game("nba-2"), make_game("nba-3")
    straight = place("1001", (nba1, "moneyline", "home", -110))
    parlay = place("1002", (nba2, "moneyline", "away", 150), (nba3, "total", "over", "200.5", -110), stake="1.00")
    straight_leg, (parlay_first, parlay_second) = straight.legs.get(), list(parlay.legs.order_by("position"))

    page = _open_action(superuser_client, "settle_selected", straight, parlay)
    assert [row["bet"] for row in page.context["rows"]] == [parlay, straight]  # newest first, as listed
    response = _apply_action(
        superuser_client,
        "settle_selected",
        straight,
        parlay,
        reason="grader was down",
        results={straight_leg: "won", parlay_first: "won", parlay_second: ""},
    )

    assert response.redirect_chain == [(BETS, 302)]
    assert _messages(response) == ["1 bet(s) settled; 1 bet(s) had legs graded and stay open."]
    straight.refresh_from_db()
    parlay.refresh_from_db()
    assert (straight.status, straight.net_units, straight.settlement_source, straight.settled_by) == (
        "won",
        Decimal("1.8182"),
        "staff",
        "root",
    )
    assert parlay.status == "pending"
    assert list(parlay.legs.order_by("position").values_list("result", "graded_source")) == [
        ("won", "staff"),
        ("pending", ""),
    ]
    assert _ledger(straight) == [("settle", "won", Decimal("1.8182"), "grader was down")]
    assert _ledger(parlay) == []
    user = ("user", str(superuser.pk), "grader was down")
    assert _events("betting.bet_settled", straight) == [user]
    assert _events("betting.legs_graded", parlay) == [user]


def test_settle_selected_needs_a_result_for_at_least_one_leg(house, make_game, place, superuser_client):
    bet = place("1001", (make_game("nba-1"), "moneyline", "home", -110))
    before = _state()

    response = _apply_action(superuser_client, "settle_selected", bet, reason="why", results={bet.legs.get(): ""})

    assert response.context["form"].non_field_errors() == ["Choose a result for at least one leg."]
    assert _state() == before


def test_settle_selected_leaves_out_settled_bets_and_refuses_when_none_is_open(
    house, make_game, place, actor, superuser_client
):
    bet = place("1001", (make_game("nba-1"), "moneyline", "home", -110))
    bet_settle(bet=bet, actor=actor, leg_results={bet.legs.get().pk: "won"}, source=SettlementSource.API)
    before = _state()

    response = superuser_client.post(
        BETS, {"action": "settle_selected", "index": "0", ACTION_CHECKBOX_NAME: [str(bet.pk)]}, follow=True
    )

    assert _messages(response) == ["None of the selected bets is open: correct a settled bet instead."]
    assert _state() == before


def test_void_selected_voids_open_and_settled_bets_with_reversing_entries(
    house, make_game, place, actor, superuser, superuser_client
):
    settled = place("1001", (make_game("nba-1"), "moneyline", "home", -110))
    settled = bet_settle(bet=settled, actor=actor, leg_results={settled.legs.get().pk: "won"}, source="api")
    pending = place("1002", (make_game("nba-2"), "moneyline", "away", 150))

    _open_action(superuser_client, "void_selected", settled, pending)
    response = _apply_action(superuser_client, "void_selected", settled, pending, reason="game abandoned")

    assert _messages(response) == ["2 bet(s) voided."]
    assert set(Bet.objects.values_list("external_id", "status", "net_units")) == {
        ("1001", "void", Decimal(0)),
        ("1002", "void", Decimal(0)),
    }
    assert _ledger(settled) == [
        ("settle", "won", Decimal("1.8182"), ""),
        ("reverse", "won", Decimal("-1.8182"), "game abandoned"),
        ("settle", "void", Decimal(0), "game abandoned"),
    ]
    assert _ledger(pending) == [("settle", "void", Decimal(0), "game abandoned")]
    for bet in (settled, pending):
        assert _events("betting.bet_voided", bet) == [("user", str(superuser.pk), "game abandoned")]


def test_a_refused_void_is_a_message_not_an_error_page(house, make_game, place, superuser_client):
    bet = place("1001", (make_game("nba-1"), "moneyline", "home", -110))
    Bet.objects.filter(pk=bet.pk).update(status="cancelled")  # no service cancels yet: the state is set directly
    before = _state()

    response = _apply_action(superuser_client, "void_selected", bet, reason="tidy up")

    assert response.status_code == 200
    assert _messages(response) == ["Bet 1001: Bet 1001 was cancelled."]
    assert _state() == before


def test_correct_result_reverses_and_resettles_one_bet(house, make_game, place, actor, superuser, superuser_client):
    bet = place("1001", (make_game("nba-1"), "moneyline", "home", 150), (make_game("nba-2"), "moneyline", "away", 150))
    first, second = list(bet.legs.order_by("position"))
    bet = bet_settle(bet=bet, actor=actor, leg_results={first.pk: "won", second.pk: "won"}, source="api")
    Bet.objects.filter(pk=bet.pk).update(needs_review=True, review_note="the score says otherwise")

    page = _open_action(superuser_client, "correct_result", bet)
    assert page.context["form"][f"leg_{first.pk}"].initial == "won"
    response = _apply_action(
        superuser_client, "correct_result", bet, reason="leg 2 lost", results={first: "won", second: "lost"}
    )

    assert _messages(response) == ["Bet 1001 corrected: now lost, -2.0000 units."]
    bet.refresh_from_db()
    assert (bet.status, bet.net_units, bet.needs_review, bet.settlement_source, bet.settled_by) == (
        "lost",
        Decimal("-2.0000"),
        False,
        "staff",
        "root",
    )
    assert _ledger(bet) == [
        ("settle", "won", Decimal("10.5000"), ""),
        ("reverse", "won", Decimal("-10.5000"), "leg 2 lost"),
        ("settle", "lost", Decimal("-2.0000"), "leg 2 lost"),
    ]
    assert _events("betting.bet_corrected", bet) == [("user", str(superuser.pk), "leg 2 lost")]


@pytest.mark.parametrize(
    ("selection", "message"),
    [
        ("two", "Select exactly one bet to correct."),
        ("pending", "Bet 1002 is pending: only a settled bet can be corrected."),
    ],
)
def test_correct_result_refuses_anything_but_one_settled_bet(
    selection, message, house, make_game, place, actor, superuser_client
):
    settled = place("1001", (make_game("nba-1"), "moneyline", "home", -110))
    bet_settle(bet=settled, actor=actor, leg_results={settled.legs.get().pk: "won"}, source="api")
    pending = place("1002", (make_game("nba-2"), "moneyline", "home", -110))
    chosen = [settled, pending] if selection == "two" else [pending]
    before = _state()

    response = _apply_action(superuser_client, "correct_result", *chosen, reason="fix")

    assert _messages(response) == [message]
    assert _state() == before


def test_a_support_user_sees_bets_but_no_repair_actions(house, staff_user, login):
    client = login(staff_user(StaffRole.SUPPORT))
    response = client.get(BETS)
    assert response.status_code == 200
    offered = [value for value, _ in response.context["action_form"].fields["action"].choices if value]
    assert offered == ["export_csv", "export_xlsx"]  # what a reader may do: export (issue 17), no repair
    assert client.post(PENDING_PAGE, {"game": ["1"]}).status_code == 403


# -- pending past game end, auto-grading ----------------------------------------------------------


def test_pending_past_game_end_lists_open_bets_on_final_games_and_bulk_grades_them(
    house, make_game, finish, place, actor, superuser, superuser_client
):
    g1, g2, g3, g4 = (make_game(f"nba-{number}") for number in range(1, 5))
    straight = place("1001", (g1, "moneyline", "home", -110))
    parlay = place("1002", (g2, "total", "over", "180.5", -110), (g3, "moneyline", "away", 120))
    place("1003", (g3, "moneyline", "home", -110))  # its game is not final
    settled_by_hand = place("1004", (g1, "moneyline", "home", -110))
    bet_settle(bet=settled_by_hand, actor=actor, leg_results={settled_by_hand.legs.get().pk: "lost"}, source="api")
    prop = place("1005", (g4, "prop", "LeBron 30+ points", 200))
    for game in (g1, g2, g4):
        finish(game, 100, 95)

    page = superuser_client.get(PENDING_PAGE)
    assert [bet.external_id for bet in page.context["bets"]] == ["1001", "1002", "1005"]
    assert [(game.external_id, game.pending_legs) for game in page.context["games"]] == [
        ("nba-1", 1),
        ("nba-2", 1),
        ("nba-4", 1),
    ]

    response = superuser_client.post(PENDING_PAGE, {"game": [str(g1.pk), str(g2.pk), str(g4.pk)]}, follow=True)

    assert response.redirect_chain == [(PENDING_PAGE, 302)]
    assert _messages(response) == [
        "Auto-graded 3 game(s): 2 leg(s) graded, 1 bet(s) settled, 1 bet(s) flagged for review."
    ]
    assert [bet.external_id for bet in response.context["bets"]] == ["1005"]  # a prop is graded by hand
    assert set(Bet.objects.values_list("external_id", "status", "needs_review")) == {
        ("1001", "won", False),
        ("1002", "pending", False),
        ("1003", "pending", False),
        ("1004", "lost", True),  # settled lost by hand, the score says won: flagged, not changed
        ("1005", "pending", False),
    }
    assert _ledger(straight) == [("settle", "won", Decimal("1.8182"), "")]
    assert list(parlay.legs.order_by("position").values_list("result", flat=True)) == ["won", "pending"]
    assert prop.legs.get().result == "pending"
    graded = AuditEvent.objects.filter(action="betting.game_graded").order_by("pk")
    assert list(graded.values_list("target_id", "actor_kind", "actor_identifier")) == [
        (str(g1.pk), "user", str(superuser.pk)),
        (str(g2.pk), "user", str(superuser.pk)),
    ]


def test_pending_past_game_end_ignores_games_that_need_no_grading(house, make_game, finish, place, superuser_client):
    scheduled = make_game("nba-1")
    place("1001", (scheduled, "moneyline", "home", -110))
    before = _state()

    response = superuser_client.post(PENDING_PAGE, {"game": [str(scheduled.pk), "x"]}, follow=True)

    assert _messages(response) == ["Select at least one game that still has pending legs."]
    assert _state() == before


def test_game_action_auto_grades_the_selected_final_games(house, make_game, finish, place, superuser, superuser_client):
    final, scheduled = make_game("nba-1"), make_game("nba-2")
    bet = place("1001", (final, "spread", "away", "-3.5", -110))
    place("1002", (scheduled, "moneyline", "home", -110))
    finish(final, 100, 105)

    response = superuser_client.post(
        _url(Game, "changelist"),
        {"action": "grade_selected", "index": "0", ACTION_CHECKBOX_NAME: [str(final.pk), str(scheduled.pk)]},
        follow=True,
    )

    assert _messages(response) == [
        "1 selected game(s) are not final (or cancelled) and were left alone.",
        "Auto-graded 1 game(s): 1 leg(s) graded, 1 bet(s) settled, 0 bet(s) flagged for review.",
    ]
    assert set(Bet.objects.values_list("external_id", "status")) == {("1001", "won"), ("1002", "pending")}
    assert _ledger(bet) == [("settle", "won", Decimal("1.8182"), "")]


def _game_form(game: Game, **changes) -> dict:
    data = {
        "starts_at_0": game.starts_at.strftime("%Y-%m-%d"),
        "starts_at_1": game.starts_at.strftime("%H:%M:%S"),
        "status": game.status,
        "home_score": "",
        "away_score": "",
    }
    data.update(changes)
    return data


def test_staff_record_a_final_score_and_its_bets_are_graded(
    house, make_game, place, superuser, superuser_client, django_capture_on_commit_callbacks
):
    game = make_game("nba-1")
    bet = place("1001", (game, "moneyline", "home", -110))

    with django_capture_on_commit_callbacks(execute=True):
        response = superuser_client.post(
            _url(Game, "change", game.pk), _game_form(game, status="final", home_score="101", away_score="99")
        )

    assert response.status_code == 302
    game.refresh_from_db()
    bet.refresh_from_db()
    assert (game.status, game.home_score, game.away_score) == ("final", 101, 99)
    assert (bet.status, bet.settlement_source) == ("won", "auto")
    assert _events("betting.game_finalized", game) == [("user", str(superuser.pk), "")]
    # a final game is history: its page no longer saves
    assert superuser_client.post(_url(Game, "change", game.pk), _game_form(game, status="live")).status_code == 403
    assert Game.objects.get(pk=game.pk).status == "final"


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        ({"status": "final", "home_score": "101"}, "away_score", "A final game needs both scores."),
        (
            {"status": "live", "home_score": "3", "away_score": "1"},
            "status",
            "Scores are recorded with the final status.",
        ),
    ],
)
def test_a_game_form_that_breaks_the_score_rules_changes_nothing(
    changes, field, error, house, make_game, superuser_client
):
    game = make_game("nba-1")
    before = list(Game.objects.values())

    response = superuser_client.post(_url(Game, "change", game.pk), _game_form(game, **changes))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors[field] == [error]
    assert list(Game.objects.values()) == before


def test_staff_move_a_game_and_the_change_is_audited(house, make_game, superuser, superuser_client):
    game = make_game("nba-1")

    response = superuser_client.post(_url(Game, "change", game.pk), _game_form(game, status="postponed"))

    assert response.status_code == 302
    assert Game.objects.get(pk=game.pk).status == "postponed"
    assert _events("betting.game_updated", game) == [("user", str(superuser.pk), "")]


# -- cappers ---------------------------------------------------------------------------------------


def test_staff_add_a_capper_through_the_service(house, superuser, superuser_client):
    response = superuser_client.post(
        _url(Capper, "add"),
        {
            "tenant": str(house.tenant.pk),
            "discord_user_id": "500000000000000002",
            "username": "ann",
            "display_name": "Ann the Sharp",
            "avatar_url": "",
        },
    )

    assert response.status_code == 302
    capper = Capper.objects.get(member__discord_user_id="500000000000000002")
    assert (capper.tenant, capper.display_name, capper.member.username, capper.is_active) == (
        house.tenant,
        "Ann the Sharp",
        "ann",
        True,
    )
    assert _events("betting.capper_created", capper) == [("user", str(superuser.pk), "")]


def test_staff_deactivate_a_capper_and_the_change_is_audited(house, superuser, superuser_client):
    capper = house.capper

    response = superuser_client.post(
        _url(Capper, "change", capper.pk), {"display_name": "Joe", "avatar_url": ""}
    )  # is_active unticked

    assert response.status_code == 302
    capper.refresh_from_db()
    assert (capper.display_name, capper.is_active) == ("Joe", False)
    event = AuditEvent.objects.get(action="betting.capper_updated", target_id=str(capper.pk))
    assert (event.actor_identifier, event.guild_id, event.changes) == (
        str(superuser.pk),
        house.tenant.guild_id,
        {"display_name": {"before": "joe", "after": "Joe"}, "is_active": {"before": True, "after": False}},
    )


# -- what the admin refuses ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "view", "method"),
    [
        (LedgerEntry, "add", "get"),
        (LedgerEntry, "change", "post"),
        (LedgerEntry, "delete", "get"),
        (LedgerEntry, "delete", "post"),
        (Bet, "add", "get"),
        (Bet, "change", "post"),
        (Bet, "delete", "post"),
        (Sport, "change", "post"),
        (Game, "add", "get"),
        (Game, "delete", "post"),
        (Capper, "delete", "post"),
    ],
)
def test_the_admin_refuses_writes_that_bypass_the_services(
    model, view, method, house, make_game, place, actor, superuser_client
):
    bet = place("1001", (make_game("nba-1"), "moneyline", "home", -110))
    bet_settle(bet=bet, actor=actor, leg_results={bet.legs.get().pk: "won"}, source="api")
    obj = model.objects.order_by("pk").first()
    args = [] if view == "add" else [obj.pk]
    before = (_state(), list(model.objects.values()))

    response = getattr(superuser_client, method)(_url(model, view, *args), {"reason": "x", "status": "void"})

    assert response.status_code == 403
    assert (_state(), list(model.objects.values())) == before


def test_ledger_actions_offer_no_delete(house, superuser_client):
    response = superuser_client.get(_url(LedgerEntry, "changelist"))
    actions = [name for name, _label in response.context["action_form"].fields["action"].choices if name]
    assert "delete_selected" not in actions
    assert set(actions) <= {"export_csv", "export_xlsx"}, actions  # the ledger is append-only: only its exports


def test_a_games_page_shows_its_current_odds_and_links_to_their_movement(betting_rows, superuser_client):
    game = betting_rows.games[-1]  # its spread moved from -3.00 to -4.00

    page = superuser_client.get(_url(Game, "change", game.pk)).content.decode()
    history = superuser_client.get(_url(OddsQuote, "changelist") + f"?game__id__exact={game.pk}")

    assert "<td>spread</td><td>home</td><td>-4.00</td><td>-110</td><td>Book</td>" in page
    assert "<td>-3.00</td>" not in page  # the moved line is history, not a current price
    assert f"?game__id__exact={game.pk}" in page
    assert sorted(quote.line for quote in history.context["cl"].result_list) == [Decimal("-4.00"), Decimal("-3.00")]


def test_odds_quotes_are_read_only_in_the_admin(betting_rows, superuser_client):
    quote = OddsQuote.objects.order_by("pk").first()
    before = list(OddsQuote.objects.order_by("pk").values_list("pk", "line", "american_odds"))

    changed = superuser_client.post(_url(OddsQuote, "change", quote.pk), {"american_odds": "250"})

    assert superuser_client.get(_url(OddsQuote, "add")).status_code == 403
    assert changed.status_code == 403
    assert list(OddsQuote.objects.order_by("pk").values_list("pk", "line", "american_odds")) == before
