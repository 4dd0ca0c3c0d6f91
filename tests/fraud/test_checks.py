"""The cheap checks: receivers of bet_placed / bet_settled / bets_imported enqueue a task (eager in tests) that opens or
updates a case; fraud_scan runs every detector and prints a summary."""

from decimal import Decimal
from io import StringIO

import pytest
from celery.signals import task_prerun
from django.core.management import CommandError, call_command

from apps.betting.choices import LegResult, Selection, SettlementSource
from apps.betting.models import BetLeg
from apps.betting.services import bet_place, bet_settle
from apps.betting.services.bets import LegInput
from apps.betting.services.bulk import BetInput, bet_place_many
from apps.core.beat import declared_schedules
from apps.fraud.choices import FraudKind
from apps.fraud.models import FraudCase
from apps.privacy.choices import PiiKind
from apps.privacy.models import PiiFinding
from tests.fraud.helpers import NOW

pytestmark = pytest.mark.django_db


def test_placing_a_late_bet_checks_the_cappers_late_record(
    tenant, actor, make_capper, make_game, make_bet, django_capture_on_commit_callbacks
):
    cheat = make_capper("cheat")
    for _ in range(12):
        make_bet(cheat, make_game(), won=True, minutes=25)
    live_game = make_game(days_ago=1 / 24, home_score=None, away_score=None)  # started an hour ago

    with django_capture_on_commit_callbacks(execute=True):
        bet_place(tenant=tenant, actor=actor, external_id="late-1", capper=cheat, stake_units=Decimal(1),
                  legs=[LegInput(market="moneyline", selection=Selection.HOME, odds=-110, game=live_game.external_id)],
                  placed_at=NOW)  # fmt: skip

    case = FraudCase.objects.get()
    assert (case.kind, list(case.cappers.all())) == (FraudKind.LATE_POSTING, [cheat])
    assert case.evidence["late_wins"] == 12


def test_placing_a_pre_game_bet_checks_nothing(tenant, actor, make_capper, make_game, make_bet,
                                               django_capture_on_commit_callbacks):  # fmt: skip
    cheat = make_capper("cheat")
    for _ in range(12):
        make_bet(cheat, make_game(), won=True, minutes=25)
    upcoming = make_game(days_ago=-1, home_score=None, away_score=None)

    with django_capture_on_commit_callbacks(execute=True):
        bet_place(tenant=tenant, actor=actor, external_id="early-1", capper=cheat, stake_units=Decimal(1),
                  legs=[LegInput(market="moneyline", selection=Selection.HOME, odds=-110, game=upcoming.external_id)],
                  placed_at=NOW)  # fmt: skip

    assert FraudCase.objects.count() == 0


def test_a_contradicting_hand_settlement_opens_then_updates_a_case(
    actor, make_capper, make_game, make_bet, django_capture_on_commit_callbacks
):
    cheat = make_capper("cheat")
    make_bet(cheat, make_game(home_score=80, away_score=99), won=True, source=SettlementSource.API, settled_by="x")
    pending = [make_bet(cheat, make_game(home_score=80, away_score=99), won=None) for _ in range(2)]

    for number, bet in enumerate(pending, start=1):
        with django_capture_on_commit_callbacks(execute=True):
            bet_settle(bet=bet, actor=actor, leg_results={bet.legs.get().pk: LegResult.WON}, settled_by="x")
        case = FraudCase.objects.get()
        assert (case.kind, case.detection_count) == (FraudKind.SETTLEMENT_ABUSE, number)
        assert case.evidence["contradicted_in_favour"] == number + 1


def test_fraud_scan_prints_each_detector_and_records_cases(make_capper, make_game, make_bet, tenant):
    cheat = make_capper("cheat")
    for number in range(10):  # hours apart: ten bets at one moment would also look like a bot's burst
        make_bet(cheat, make_game(days_ago=3 + number / 5), won=True, minutes=30)
    out = StringIO()

    call_command("fraud_scan", "--tenant", tenant.guild_id, "--since", "7d", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].startswith(f"Fraud scan of 10 bets (guild {tenant.guild_id}, placed since ")
    rows = {line.split()[0]: line.split()[1:] for line in lines[2:]}
    assert list(rows) == [*FraudKind.values, "total"]
    assert rows["late_posting"][:3] == ["1", "1", "0"]
    assert rows["total"][0] == "1"
    assert FraudCase.objects.get().kind == FraudKind.LATE_POSTING

    call_command("fraud_scan", "--since", "2d", stdout=(out := StringIO()))
    assert out.getvalue().startswith("Fraud scan of 0 bets (all tenants")


@pytest.mark.parametrize(("arguments", "message"), [(["--since", "soon"], "--since"), (["--tenant", "1"], "No tenant")])
def test_fraud_scan_refuses_bad_arguments(db, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("fraud_scan", *arguments, stdout=StringIO())


def test_the_scan_task_is_scheduled():
    assert {"name": "fraud: scan bets with every detector", "task": "apps.fraud.tasks.fraud_scan_task",
            "every_seconds": 21600} in declared_schedules()  # fmt: skip


def test_a_bulk_import_is_checked_and_scanned_by_one_task_each(
    tenant, actor, make_capper, make_game, make_bet, django_capture_on_commit_callbacks
):
    cheat = make_capper("cheat")
    for _ in range(12):
        make_bet(cheat, make_game(), won=True, minutes=25)
    live_game, later_game = make_game(days_ago=1 / 24, home_score=None), make_game(days_ago=-1, home_score=None)
    bets = [
        BetInput(external_id=f"bulk-{number}", capper=cheat.member.discord_user_id, stake_units=Decimal(1),
                 legs=[LegInput(market="moneyline", selection=Selection.HOME, odds=-110, game=game.external_id,
                                description=f"tip from capper{number}@example.com")])
        for number, game in enumerate([live_game, later_game, later_game])
    ]  # fmt: skip
    tasks_run = []

    def record(sender=None, **kwargs):
        tasks_run.append(sender.name)

    task_prerun.connect(record, weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            outcomes = bet_place_many(tenant=tenant, actor=actor, bets=bets)
    finally:
        task_prerun.disconnect(record)

    assert [outcome.status for outcome in outcomes] == ["created"] * 3
    assert sorted(tasks_run) == [
        "apps.analytics.tasks.analytics_rollups_refresh_task",  # the import's bets into the rollups, once
        "apps.fraud.tasks.fraud_imported_bets_check_task",
        "apps.privacy.tasks.pii_scan_bets_task",
    ]
    case = FraudCase.objects.get()
    assert (case.kind, list(case.cappers.all())) == (FraudKind.LATE_POSTING, [cheat])
    legs = BetLeg.objects.filter(bet__external_id__startswith="bulk-").values_list("pk", flat=True)
    findings = PiiFinding.objects.filter(model_label="betting.BetLeg", field_name="description", kind=PiiKind.EMAIL)
    assert sorted(int(pk) for pk in findings.values_list("object_id", flat=True)) == sorted(legs)
