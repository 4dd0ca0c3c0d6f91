"""Settling, voiding and correcting bets; auto-grading from final scores; records and the leaderboard."""

import zoneinfo
from datetime import datetime
from decimal import Decimal

import pytest
from django.db.models import Max

from apps.audit.models import AuditEvent
from apps.betting.choices import LedgerKind, LegResult, SettlementSource
from apps.betting.models import Bet, BetLeg, LedgerEntry
from apps.betting.selectors import capper_record, leaderboard
from apps.betting.services import bet_correct, bet_settle, bet_void, game_grade, game_record_result, game_upsert
from apps.betting.signals import bet_placed, bet_settled, bet_voided, bets_graded, game_finalized, game_updated
from apps.core.actors import Actor
from apps.core.errors import ApplicationError, ConflictError
from apps.core.models import OutboxMessage

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
STAFF = Actor(kind="user", identifier="7", label="alice")


def manual(odds: int = -110, selection: str = "home", market: str = "moneyline", **extra) -> dict:
    return {"market": market, "selection": selection, "odds": odds, "description": "Manual A vs B", **extra}


def on_game(game: str, market: str = "moneyline", selection: str = "home", odds: int = -110, line=None) -> dict:
    return {"game": game, "market": market, "selection": selection, "odds": odds, "line": line}


def leg_ids(bet: Bet) -> list[int]:
    return list(bet.legs.order_by("position").values_list("pk", flat=True))


def ledger(bet: Bet) -> list[tuple]:
    return list(
        LedgerEntry.objects.filter(bet=bet)
        .order_by("sequence")
        .values_list("sequence", "kind", "result", "record_sign", "units", "staked_units")
    )


def actions_since(event_id: int) -> list[str]:
    return list(AuditEvent.objects.filter(pk__gt=event_id).order_by("pk").values_list("action", flat=True))


def last_event_id() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_settling_some_legs_of_a_parlay_leaves_it_pending(place_bet, actor):
    bet = place_bet("p1", [manual(150), manual(-110, "away"), manual(200)], stake="2.00")
    first, second, third = leg_ids(bet)

    bet = bet_settle(bet=bet, actor=actor, leg_results={first: LegResult.WON, second: LegResult.LOST})

    assert bet.status == "pending"
    assert list(bet.legs.order_by("position").values_list("result", "graded_source")) == [
        ("won", "api"),
        ("lost", "api"),
        ("pending", ""),
    ]
    assert ledger(bet) == []
    assert AuditEvent.objects.filter(action="betting.legs_graded", target_id=str(bet.pk)).count() == 1

    bet = bet_settle(bet=bet, actor=actor, leg_results={third: LegResult.WON}, settled_by="500000000000000009")

    assert (bet.status, bet.net_units, bet.settled_by, bet.settlement_source) == (
        "lost",
        Decimal("-2.0000"),
        "500000000000000009",
        "api",
    )
    assert ledger(bet) == [(1, "settle", "lost", 1, Decimal("-2.0000"), Decimal("2.00"))]


def test_a_parlay_settles_with_its_last_leg_at_the_product_of_the_won_legs(place_bet, actor):
    bet = place_bet("p2", [manual(150), manual(-200, "away"), manual(120)], stake="1.00")
    first, second, third = leg_ids(bet)

    bet_settle(bet=bet, actor=actor, leg_results={first: LegResult.WON})
    bet_settle(bet=bet, actor=actor, leg_results={second: LegResult.PUSH})
    bet = bet_settle(bet=bet, actor=actor, leg_results={third: LegResult.WON})

    assert (bet.status, bet.net_units) == ("won", Decimal("4.5000"))  # 2.5 × 2.2 − 1
    assert ledger(bet) == [(1, "settle", "won", 1, Decimal("4.5000"), Decimal("1.00"))]


@pytest.mark.parametrize("second_result", [LegResult.WON, LegResult.LOST])
def test_settling_a_final_bet_again_is_a_conflict_and_writes_nothing(place_bet, actor, row_counts, second_result):
    bet = place_bet("s1", [manual(120)])
    [leg] = leg_ids(bet)
    bet_settle(bet=bet, actor=actor, leg_results={leg: LegResult.WON})
    before = row_counts()

    with pytest.raises(ConflictError) as error:
        bet_settle(bet=bet, actor=actor, leg_results={leg: second_result})

    assert (error.value.code, error.value.status_code) == ("bet_already_settled", 409)
    assert row_counts() == before
    assert Bet.objects.get(pk=bet.pk).status == "won"


def test_regrading_a_graded_leg_of_an_open_parlay_is_a_conflict(place_bet, actor, row_counts):
    bet = place_bet("s2", [manual(120), manual(130)])
    first, _ = leg_ids(bet)
    bet_settle(bet=bet, actor=actor, leg_results={first: LegResult.WON})
    before = row_counts()

    with pytest.raises(ConflictError) as error:
        bet_settle(bet=bet, actor=actor, leg_results={first: LegResult.LOST})

    assert error.value.code == "leg_graded"
    assert row_counts() == before
    assert BetLeg.objects.get(pk=first).result == "won"


def test_a_leg_of_another_bet_is_refused(place_bet, actor, row_counts):
    bet = place_bet("s3", [manual(120)])
    other = place_bet("s4", [manual(130)])
    before = row_counts()

    with pytest.raises(ApplicationError) as error:
        bet_settle(bet=bet, actor=actor, leg_results={leg_ids(other)[0]: LegResult.WON})

    assert (error.value.code, error.value.status_code) == ("unknown_leg", 400)
    assert row_counts() == before


def test_voiding_an_open_bet_writes_a_void_entry(place_bet, actor):
    bet = place_bet("v1", [manual(120), manual(-110)], stake="3.00")
    bet_settle(bet=bet, actor=actor, leg_results={leg_ids(bet)[0]: LegResult.WON})

    bet = bet_void(bet=bet, actor=actor, reason="posted in the wrong channel")

    assert (bet.status, bet.net_units) == ("void", 0)
    assert ledger(bet) == [(1, "settle", "void", 1, Decimal("0.0000"), Decimal("0.00"))]
    assert AuditEvent.objects.get(action="betting.bet_voided").reason == "posted in the wrong channel"


def test_voiding_a_settled_bet_reverses_its_entry_first(place_bet, actor):
    bet = place_bet("v2", [manual(-125)], stake="5.00")
    bet_settle(bet=bet, actor=actor, leg_results={leg_ids(bet)[0]: LegResult.WON})

    bet = bet_void(bet=bet, actor=actor, reason="game was replayed")

    assert ledger(bet) == [
        (1, "settle", "won", 1, Decimal("4.0000"), Decimal("5.00")),
        (2, "reverse", "won", -1, Decimal("-4.0000"), Decimal("-5.00")),
        (3, "settle", "void", 1, Decimal("0.0000"), Decimal("0.00")),
    ]
    record = capper_record(tenant=bet.tenant, capper=bet.capper, period_label="lifetime")
    assert (record["won"], record["void"], record["staked_units"], record["net_units"], record["roi"]) == (
        0,
        1,
        Decimal("0.0000"),
        Decimal("0.0000"),
        None,
    )


def test_voiding_twice_is_a_no_op(place_bet, actor, row_counts):
    bet = place_bet("v3", [manual(150)])
    bet_void(bet=bet, actor=actor, reason="duplicate")
    before = row_counts()

    bet = bet_void(bet=bet, actor=actor, reason="duplicate again")

    assert bet.status == "void"
    assert row_counts() == before


def test_voiding_needs_a_reason(place_bet, actor, row_counts):
    bet = place_bet("v4", [manual(150)])
    before = row_counts()

    with pytest.raises(ApplicationError) as error:
        bet_void(bet=bet, actor=actor, reason="  ")

    assert (error.value.code, error.value.fields) == ("reason_required", {"reason": ["Required."]})
    assert row_counts() == before


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_staff_correction_needs_a_reason(place_bet, actor, row_counts, reason):
    bet = place_bet("c1", [manual(150)])
    [leg] = leg_ids(bet)
    bet_settle(bet=bet, actor=actor, leg_results={leg: LegResult.WON})
    before = row_counts()

    with pytest.raises(ApplicationError) as error:
        bet_correct(bet=bet, actor=STAFF, leg_results={leg: LegResult.LOST}, reason=reason)

    assert error.value.code == "reason_required"
    assert error.value.message == "A reason is required to correct a settled bet."
    assert row_counts() == before


def test_a_staff_settlement_needs_a_reason(place_bet, row_counts):
    bet = place_bet("c2", [manual(150)])
    before = row_counts()

    with pytest.raises(ApplicationError) as error:
        bet_settle(bet=bet, actor=STAFF, leg_results={leg_ids(bet)[0]: "won"}, source=SettlementSource.STAFF)

    assert error.value.code == "reason_required"
    assert row_counts() == before


def test_a_staff_correction_appends_a_reversal_and_a_new_settlement(place_bet, actor):
    bet = place_bet("c3", [manual(150), manual(-110)], stake="2.00")
    first, second = leg_ids(bet)
    bet_settle(bet=bet, actor=actor, leg_results={first: LegResult.WON, second: LegResult.LOST})
    settled_entry = LedgerEntry.objects.filter(bet=bet).values().get()

    bet = bet_correct(bet=bet, actor=STAFF, leg_results={second: LegResult.PUSH}, reason="leg 2 was a push")

    assert (bet.status, bet.net_units, bet.settlement_source, bet.settled_by) == (
        "won",
        Decimal("3.0000"),
        "staff",
        "alice",
    )
    assert ledger(bet) == [
        (1, "settle", "lost", 1, Decimal("-2.0000"), Decimal("2.00")),
        (2, "reverse", "lost", -1, Decimal("2.0000"), Decimal("-2.00")),
        (3, "settle", "won", 1, Decimal("3.0000"), Decimal("2.00")),
    ]
    assert LedgerEntry.objects.filter(bet=bet, sequence=1).values().get() == settled_entry
    assert list(LedgerEntry.objects.filter(bet=bet).values_list("reason", flat=True)) == [
        "",
        "leg 2 was a push",
        "leg 2 was a push",
    ]
    assert list(bet.legs.order_by("position").values_list("result", "graded_source")) == [
        ("won", "api"),
        ("push", "staff"),
    ]
    event = AuditEvent.objects.get(action="betting.bet_corrected")
    assert (event.actor_label, event.reason, event.guild_id) == ("alice", "leg 2 was a push", "111111111111111111")
    assert event.changes["status"] == {"before": "lost", "after": "won"}


def test_correcting_an_open_bet_is_a_conflict(place_bet, row_counts):
    bet = place_bet("c4", [manual(150)])
    before = row_counts()

    with pytest.raises(ConflictError) as error:
        bet_correct(bet=bet, actor=STAFF, leg_results={leg_ids(bet)[0]: "won"}, reason="early")

    assert error.value.code == "bet_not_settled"
    assert row_counts() == before


def test_a_correction_of_a_voided_bet_settles_it_again(place_bet, actor):
    bet = place_bet("c5", [manual(200)], stake="1.00")
    bet_void(bet=bet, actor=actor, reason="thought it was off the board")

    bet = bet_correct(bet=bet, actor=STAFF, leg_results={leg_ids(bet)[0]: "won"}, reason="it was on the board")

    assert ledger(bet) == [
        (1, "settle", "void", 1, Decimal("0.0000"), Decimal("0.00")),
        (2, "reverse", "void", -1, Decimal("0.0000"), Decimal("0.00")),
        (3, "settle", "won", 1, Decimal("2.0000"), Decimal("1.00")),
    ]


def test_a_final_score_grades_pending_legs_and_settles_complete_bets(
    place_bet, make_game, actor, django_capture_on_commit_callbacks
):
    make_game("g1")
    make_game("g2", home="Lakers", away="Suns")
    straight = place_bet("a1", [on_game("g1", "spread", "home", -110, Decimal("-3.5"))], stake="2.00")
    parlay = place_bet("a2", [on_game("g1", "total", "over", 100, Decimal("210")), on_game("g2")])
    prop = place_bet("a3", [on_game("g1", "prop", "Tatum over 30.5 points", 150)])

    with django_capture_on_commit_callbacks(execute=True):
        game_record_result(actor=actor, external_id="g1", home_score=110, away_score=100, status="final")

    straight.refresh_from_db()
    assert (straight.status, straight.net_units, straight.settlement_source, straight.settled_by) == (
        "won",
        Decimal("1.8182"),
        "auto",
        "auto-grading",
    )
    assert ledger(straight) == [(1, "settle", "won", 1, Decimal("1.8182"), Decimal("2.00"))]
    assert list(parlay.legs.order_by("position").values_list("result", "graded_source")) == [
        ("push", "auto"),
        ("pending", ""),
    ]
    assert Bet.objects.get(pk=parlay.pk).status == "pending"
    assert list(prop.legs.values_list("result", flat=True)) == ["pending"]

    with django_capture_on_commit_callbacks(execute=True):
        game_record_result(actor=actor, external_id="g2", home_score=99, away_score=101, status="final")

    parlay.refresh_from_db()
    assert (parlay.status, parlay.net_units) == ("lost", Decimal("-1.0000"))
    assert ledger(parlay) == [(1, "settle", "lost", 1, Decimal("-1.0000"), Decimal("1.00"))]


def test_a_later_final_score_that_contradicts_a_manual_settlement_flags_the_bet(
    place_bet, make_game, actor, django_capture_on_commit_callbacks
):
    make_game("g3")
    contradicted = place_bet("m1", [on_game("g3", "spread", "home", -110, Decimal("-3.5"))])
    confirmed = place_bet("m2", [on_game("g3", "moneyline", "home", -150)])
    bet_settle(bet=contradicted, actor=actor, leg_results={leg_ids(contradicted)[0]: "won"}, settled_by="42")
    bet_settle(bet=confirmed, actor=actor, leg_results={leg_ids(confirmed)[0]: "won"})
    before = {bet.pk: ledger(bet) for bet in (contradicted, confirmed)}

    with django_capture_on_commit_callbacks(execute=True):
        game_record_result(actor=actor, external_id="g3", home_score=102, away_score=100, status="final")

    contradicted.refresh_from_db()
    confirmed.refresh_from_db()
    assert (contradicted.status, contradicted.net_units, contradicted.needs_review) == (
        "won",
        Decimal("0.9091"),
        True,
    )
    assert contradicted.review_note == (
        f"Leg {leg_ids(contradicted)[0]} was settled won by hand, "
        "but the final score 102-100 of game g3 grades it lost."
    )
    assert (confirmed.status, confirmed.needs_review, confirmed.review_note) == ("won", False, "")
    assert {bet.pk: ledger(bet) for bet in (contradicted, confirmed)} == before
    assert BetLeg.objects.get(bet=contradicted).result == "won"


def test_a_correction_clears_the_review_flag(place_bet, make_game, actor, django_capture_on_commit_callbacks):
    make_game("g4")
    bet = place_bet("m3", [on_game("g4", "moneyline", "away", 140)])
    bet_settle(bet=bet, actor=actor, leg_results={leg_ids(bet)[0]: "won"})
    with django_capture_on_commit_callbacks(execute=True):
        game_record_result(actor=actor, external_id="g4", home_score=3, away_score=1, status="final")

    bet = bet_correct(bet=bet, actor=STAFF, leg_results={leg_ids(bet)[0]: "lost"}, reason="score says lost")

    bet.refresh_from_db()
    assert (bet.status, bet.needs_review, bet.review_note, bet.net_units) == ("lost", False, "", Decimal("-1.0000"))


def test_a_cancelled_game_voids_its_legs(place_bet, make_game, actor, django_capture_on_commit_callbacks):
    make_game("g5")
    straight = place_bet("x1", [on_game("g5", "moneyline", "home", -110)], stake="4.00")
    parlay = place_bet("x2", [on_game("g5", "total", "under", -105, Decimal("200.5")), manual(120)])

    with django_capture_on_commit_callbacks(execute=True):
        game_record_result(actor=actor, external_id="g5", home_score=0, away_score=0, status="cancelled")

    straight.refresh_from_db()
    assert (straight.status, straight.net_units) == ("void", Decimal("0.0000"))
    assert ledger(straight) == [(1, "settle", "void", 1, Decimal("0.0000"), Decimal("0.00"))]
    assert list(parlay.legs.order_by("position").values_list("result", flat=True)) == ["void", "pending"]
    assert Bet.objects.get(pk=parlay.pk).status == "pending"

    parlay = bet_settle(bet=parlay, actor=actor, leg_results={leg_ids(parlay)[1]: "won"})

    assert (parlay.status, parlay.net_units) == ("won", Decimal("1.2000"))


def test_reposting_the_same_final_score_changes_nothing(
    place_bet, make_game, actor, django_capture_on_commit_callbacks
):
    make_game("g6")
    bet = place_bet("r1", [on_game("g6", "moneyline", "home", 150)])
    with django_capture_on_commit_callbacks(execute=True):
        game_record_result(actor=actor, external_id="g6", home_score=5, away_score=4, status="final")
    events = last_event_id()
    entries = ledger(bet)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        game = game_record_result(actor=actor, external_id="g6", home_score=5, away_score=4, status="final")

    assert (game.status, game.home_score, game.away_score) == ("final", 5, 4)
    assert callbacks == []
    assert actions_since(events) == []
    assert ledger(bet) == entries == [(1, "settle", "won", 1, Decimal("1.5000"), Decimal("1.00"))]


@pytest.mark.parametrize(
    ("home_score", "away_score", "status"), [(4, 5, "final"), (5, 5, "final"), (5, 4, "cancelled")]
)
def test_a_different_result_for_a_final_game_is_a_conflict(
    make_game, actor, django_capture_on_commit_callbacks, home_score, away_score, status
):
    make_game("g7")
    game_record_result(actor=actor, external_id="g7", home_score=5, away_score=4, status="final")
    events = last_event_id()

    with pytest.raises(ConflictError) as error:
        game_record_result(actor=actor, external_id="g7", home_score=home_score, away_score=away_score, status=status)

    assert (error.value.code, error.value.message) == (
        "game_final",
        "Game g7 already has a final score (5-4). A different score is a staff correction: in the admin, "
        "Games → select the game → “Correct the final score”, with a reason.",
    )
    assert actions_since(events) == []


def test_grading_a_game_twice_settles_each_bet_once(place_bet, make_game, actor):
    make_game("g8")
    bet = place_bet("r2", [on_game("g8", "moneyline", "away", 105)])
    game_record_result(actor=actor, external_id="g8", home_score=1, away_score=2, status="final")

    first = game_grade(game_id=bet.legs.get().game_id, actor=actor)
    second = game_grade(game_id=bet.legs.get().game_id, actor=actor)

    assert (first.legs_graded, first.bets_settled, first.bets_flagged) == (1, 1, 0)
    assert (second.legs_graded, second.bets_settled, second.bets_flagged) == (0, 0, 0)
    assert ledger(bet) == [(1, "settle", "won", 1, Decimal("1.0500"), Decimal("1.00"))]


@pytest.fixture
def new_york(tenant):
    tenant.timezone = "America/New_York"
    tenant.save(update_fields=["timezone"])
    return tenant


@pytest.mark.parametrize(
    ("placed_local", "counted_in", "not_counted_in"),
    [
        (datetime(2026, 10, 31, 23, 30), ["2026-10", "2026", "lifetime"], ["2026-11"]),  # 03:30 UTC on Nov 1
        (datetime(2026, 11, 1, 0, 0), ["2026-11", "2026", "lifetime"], ["2026-10"]),
        (datetime(2025, 12, 31, 23, 30), ["2025-12", "2025", "lifetime"], ["2026-01", "2026"]),
        (datetime(2026, 1, 1, 0, 0), ["2026-01", "2026", "lifetime"], ["2025-12", "2025"]),
    ],
)
def test_a_bet_counts_in_the_period_of_its_local_placement_time(
    new_york, capper, place_bet, actor, placed_local, counted_in, not_counted_in
):
    bet = place_bet("t1", [manual(150)], stake="2.00", placed_at=placed_local.replace(tzinfo=NEW_YORK))
    bet_settle(bet=bet, actor=actor, leg_results={leg_ids(bet)[0]: "won"})

    for period in counted_in:
        assert capper_record(tenant=new_york, capper=capper, period_label=period) == {
            "period": period,
            "won": 1,
            "lost": 0,
            "push": 0,
            "void": 0,
            "staked_units": Decimal("2.0000"),
            "net_units": Decimal("3.0000"),
            "roi": Decimal("1.5000"),
        }
    for period in not_counted_in:
        record = capper_record(tenant=new_york, capper=capper, period_label=period)
        assert (record["won"], record["staked_units"], record["net_units"], record["roi"]) == (0, 0, 0, None)


def test_a_record_sums_wins_losses_pushes_and_voids(capper, place_bet, actor):
    outcomes = [("won", 150, "1.00"), ("won", -200, "2.00"), ("lost", -110, "1.10"), ("push", 100, "3.00")]
    for index, (result, odds, stake) in enumerate(outcomes):
        bet = place_bet(f"rec{index}", [manual(odds)], stake=stake)
        bet_settle(bet=bet, actor=actor, leg_results={leg_ids(bet)[0]: result})
    bet_void(bet=place_bet("rec-void", [manual(300)], stake="5.00"), actor=actor, reason="duplicate post")
    place_bet("rec-open", [manual(300)], stake="5.00")

    record = capper_record(tenant=capper.tenant, capper=capper, period_label="lifetime")

    assert record == {
        "period": "lifetime",
        "won": 2,
        "lost": 1,
        "push": 1,
        "void": 1,
        "staked_units": Decimal("7.1000"),
        "net_units": Decimal("1.4000"),  # 1.5 + 1.0 − 1.1 + 0
        "roi": Decimal("0.1972"),
    }


def test_the_leaderboard_ranks_by_net_units_then_roi_then_fewer_bets(tenant, make_capper, place_bet, actor):
    # created in the reverse of the expected order, so creation order cannot be what ranks them
    losing, many_bets, low_roi, high_roi = (make_capper(f"60000000000000000{n}", f"capper{n}") for n in range(4))
    settlements = [
        (losing, [("lost", 150, "1.00")]),
        (many_bets, [("won", 100, "1.00"), ("won", 100, "1.00")]),  # +2 on 2 staked, 2 bets
        (low_roi, [("won", 100, "2.00")]),  # +2 on 2 staked, 1 bet
        (high_roi, [("won", 200, "1.00")]),  # +2 on 1 staked
    ]
    for capper, bets in settlements:
        for index, (result, odds, stake) in enumerate(bets):
            bet = place_bet(f"lb-{capper.pk}-{index}", [manual(odds)], stake=stake, capper=capper)
            bet_settle(bet=bet, actor=actor, leg_results={leg_ids(bet)[0]: result})
    place_bet("lb-open", [manual(500)], capper=losing)

    rows = leaderboard(tenant=tenant, period_label="lifetime")

    assert [(row["rank"], row["display_name"], row["net_units"], row["roi"]) for row in rows] == [
        (1, "capper3", Decimal("2.0000"), Decimal("2.0000")),
        (2, "capper2", Decimal("2.0000"), Decimal("1.0000")),
        (3, "capper1", Decimal("2.0000"), Decimal("1.0000")),
        (4, "capper0", Decimal("-1.0000"), Decimal("-1.0000")),
    ]
    assert rows[0] == {
        "rank": 1,
        "discord_user_id": "600000000000000003",
        "display_name": "capper3",
        "won": 1,
        "lost": 0,
        "push": 0,
        "void": 0,
        "staked_units": Decimal("1.0000"),
        "net_units": Decimal("2.0000"),
        "roi": Decimal("2.0000"),
    }


def test_the_leaderboard_of_a_period_only_counts_bets_placed_in_it(tenant, make_capper, place_bet, actor):
    october, november = make_capper("600000000000000010", "october"), make_capper("600000000000000011", "november")
    for capper, placed_at in ((october, datetime(2026, 10, 15, 12)), (november, datetime(2026, 11, 15, 12))):
        bet = place_bet(
            f"period-{capper.pk}", [manual(100)], capper=capper, placed_at=placed_at.replace(tzinfo=NEW_YORK)
        )
        bet_settle(bet=bet, actor=actor, leg_results={leg_ids(bet)[0]: "won"})

    assert [row["display_name"] for row in leaderboard(tenant=tenant, period_label="2026-11")] == ["november"]
    assert [row["display_name"] for row in leaderboard(tenant=tenant, period_label="2026-10")] == ["october"]
    assert [row["display_name"] for row in leaderboard(tenant=tenant, period_label="2025")] == []
    assert len(leaderboard(tenant=tenant, period_label="lifetime")) == 2


def test_another_tenants_ledger_is_not_in_the_leaderboard(tenant, other_tenant, make_capper, place_bet, actor):
    stranger = make_capper("600000000000000020", "stranger", tenant=other_tenant)
    bet = place_bet("elsewhere", [manual(100)], capper=stranger, tenant=other_tenant)
    bet_settle(bet=bet, actor=actor, leg_results={leg_ids(bet)[0]: "won"})

    assert leaderboard(tenant=tenant, period_label="lifetime") == []
    assert [row["display_name"] for row in leaderboard(tenant=other_tenant, period_label="lifetime")] == ["stranger"]


@pytest.fixture
def received():
    """Every domain signal of the betting app, as (signal name, kwargs without signal/sender)."""
    signals = {
        "bet_placed": bet_placed,
        "bet_settled": bet_settled,
        "bets_graded": bets_graded,
        "bet_voided": bet_voided,
        "game_updated": game_updated,
    }
    calls: list[tuple[str, dict]] = []
    receivers = []
    for name, signal in signals.items():

        def receiver(sender, name=name, **kwargs):
            kwargs.pop("signal")
            calls.append((name, kwargs))

        signal.connect(receiver, weak=False)
        receivers.append((signal, receiver))

    def on_game_finalized(sender, **kwargs):
        kwargs.pop("signal")
        calls.append(("game_finalized", kwargs))

    game_finalized.connect(on_game_finalized, weak=False)
    receivers.append((game_finalized, on_game_finalized))
    yield calls
    for signal, receiver in receivers:
        signal.disconnect(receiver)


def test_each_write_records_an_audit_event_and_sends_its_signal_in_its_transaction(
    tenant, capper, place_bet, make_game, actor, received, django_capture_on_commit_callbacks
):
    def write(action):
        """Run a write; its signals are sent inside its transaction, where receivers write the task outbox,
        and no task runs before the commit. Returns (audit actions, signals)."""
        events = last_event_id()
        tasks = OutboxMessage.objects.filter(pk__gt=OutboxMessage.objects.aggregate(last=Max("pk"))["last"] or 0)
        with django_capture_on_commit_callbacks() as callbacks:
            result = action()
        assert not tasks.exclude(completed_at=None).exists()  # written, not run before the commit
        with django_capture_on_commit_callbacks(execute=True):  # and those the callbacks register in turn
            for callback in callbacks:
                callback()
        assert not tasks.filter(completed_at=None).exists()  # all run after it
        sent = list(received)
        received.clear()
        return result, actions_since(events), sent

    game = make_game("sig-1")
    game_two = make_game("sig-2", home="Lakers", away="Suns")

    straight, actions, sent = write(lambda: place_bet("sig-a", [on_game("sig-1", "moneyline", "home", 150)]))
    assert actions == ["betting.bet_placed"]
    assert sent == [("bet_placed", {"bet_id": straight.pk, "tenant_id": tenant.pk})]

    parlay = place_bet("sig-b", [on_game("sig-1", "moneyline", "away", 150), manual(110)])
    voided = place_bet("sig-c", [on_game("sig-2", "moneyline", "away", 150)])
    manual_bet = place_bet("sig-d", [manual(110)])
    received.clear()

    _, actions, sent = write(lambda: bet_settle(bet=parlay, actor=actor, leg_results={leg_ids(parlay)[1]: "won"}))
    assert (actions, sent) == (["betting.legs_graded"], [])

    _, actions, sent = write(
        lambda: bet_settle(bet=manual_bet, actor=actor, leg_results={leg_ids(manual_bet)[0]: "won"})
    )
    assert actions == ["betting.bet_settled"]
    assert sent == [("bet_settled", {"bet_id": manual_bet.pk, "tenant_id": tenant.pk, "source": "api"})]

    _, actions, sent = write(
        lambda: bet_correct(bet=manual_bet, actor=STAFF, leg_results={leg_ids(manual_bet)[0]: "lost"}, reason="oops")
    )
    assert actions == ["betting.bet_corrected"]
    assert sent == [("bet_settled", {"bet_id": manual_bet.pk, "tenant_id": tenant.pk, "source": "staff"})]

    _, actions, sent = write(lambda: bet_void(bet=voided, actor=actor, reason="dup"))
    assert actions == ["betting.bet_voided"]
    assert sent == [("bet_voided", {"bet_id": voided.pk, "tenant_id": tenant.pk})]

    # the finalized game's own receiver grades it when the signal is sent: both bets on it settle
    _, actions, sent = write(
        lambda: game_record_result(actor=actor, external_id="sig-1", home_score=3, away_score=1, status="final")
    )
    assert actions == ["betting.game_finalized", "betting.game_graded"]
    assert sent[0] == ("game_finalized", {"game_id": game.pk})
    # one batch signal for the pass, then one per bet
    assert sent[1] == ("bets_graded", {"bet_tenants": {straight.pk: tenant.pk, parlay.pk: tenant.pk}})
    assert sorted(sent[2:], key=lambda call: call[1]["bet_id"]) == [
        ("bet_settled", {"bet_id": straight.pk, "tenant_id": tenant.pk, "source": "auto", "graded_in_pass": True}),
        ("bet_settled", {"bet_id": parlay.pk, "tenant_id": tenant.pk, "source": "auto", "graded_in_pass": True}),
    ]
    assert Bet.objects.get(pk=straight.pk).status == "won"

    _, actions, sent = write(
        lambda: game_upsert(
            actor=actor,
            external_id="sig-2",
            sport="basketball",
            league="NBA",
            home_team="Lakers",
            away_team="Suns",
            starts_at=game_two.starts_at,
            status="live",
        )
    )
    assert (actions, sent) == (
        ["betting.game_updated"],
        [("game_updated", {"game_id": game_two.pk, "changed": ["status"]})],
    )


def test_auto_grading_sends_one_signal_per_settled_bet_with_its_tenant(
    tenant, place_bet, make_game, actor, received, django_capture_on_commit_callbacks
):
    game = make_game("sig-3")
    bets = [place_bet(f"sig-e{n}", [on_game("sig-3", "moneyline", "home", 120)]) for n in range(3)]
    game_record_result(actor=actor, external_id="sig-3", home_score=0, away_score=1, status="final")
    received.clear()

    with django_capture_on_commit_callbacks(execute=True):
        outcome = game_grade(game_id=game.pk, actor=actor)

    assert (outcome.legs_graded, outcome.bets_settled) == (3, 3)
    assert received[0] == ("bets_graded", {"bet_tenants": {bet.pk: tenant.pk for bet in bets}})
    assert sorted(received[1:], key=lambda call: call[1]["bet_id"]) == [
        ("bet_settled", {"bet_id": bet.pk, "tenant_id": tenant.pk, "source": "auto", "graded_in_pass": True})
        for bet in bets
    ]
    assert list(LedgerEntry.objects.filter(kind=LedgerKind.SETTLE).values_list("result", flat=True)) == ["lost"] * 3


def test_a_parlay_settled_with_one_result_is_refused_by_the_service_and_nothing_changes(place_bet, actor, row_counts):
    bet = place_bet("p-one", [manual(150), manual(-110, "away")])
    before = row_counts()

    with pytest.raises(ApplicationError) as refused:
        bet_settle(bet=bet, actor=actor, result=LegResult.WON)

    assert (refused.value.code, refused.value.status_code, refused.value.message) == (
        "parlay_needs_legs",
        400,
        "This bet is a parlay: send legs: [{id, result}] for each leg.",
    )
    assert row_counts() == before
    assert set(BetLeg.objects.filter(bet=bet).values_list("result", flat=True)) == {"pending"}


def test_a_straight_bet_settles_with_one_result(place_bet, actor):
    bet = place_bet("s-one", [manual(150)], stake="2.00")

    bet = bet_settle(bet=bet, actor=actor, result=LegResult.WON)

    assert (bet.status, bet.net_units) == ("won", Decimal("3.0000"))
    assert ledger(bet) == [(1, LedgerKind.SETTLE, "won", 1, Decimal("3.0000"), Decimal("2.00"))]
