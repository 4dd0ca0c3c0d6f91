"""Bulk imports and auto-grading add their delta to the rollup cells in their own transaction
(services/rollup_deltas.py): one statement for the batch, nothing queued, no refresh asked for; a delta
that cannot be applied queues its bets for the refresh instead. A single placement is queued."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.analytics.models import CapperDayRollup, DailyRollup, HourlyRollup, RollupDirtyBet, RollupState
from apps.analytics.rollup_verify import verify_tenant
from apps.analytics.services.rollups import rollups_refresh
from apps.analytics.tasks import analytics_rollups_refresh_task
from apps.betting.services import bet_place, game_grade, game_record_result
from apps.betting.services.bets import LegInput
from apps.betting.services.bulk import BetInput, bet_place_many
from apps.core.models import OutboxMessage
from tests.analytics.rollup_world import build_rollup_world

pytestmark = pytest.mark.django_db

REFRESH_TASK = analytics_rollups_refresh_task.name


def _place(world, tenant, external_id: str, stake: str, hours_ago: float = 2, game=None):
    leg = (
        LegInput("moneyline", "home", 120, game.external_id)
        if game is not None
        else LegInput("prop", "first to score", 120, None, None, "Manual prop")
    )
    bet, _ = bet_place(
        tenant=tenant,
        actor=world.actor,
        external_id=external_id,
        capper=world.cappers[tenant.pk][0],
        stake_units=Decimal(stake),
        legs=[leg],
        placed_at=timezone.now() - timedelta(hours=hours_ago),
    )
    return bet


@pytest.fixture
def refusing_rollup_writes():
    """A database fault on the rollup tables: any insert into the daily rollups is refused."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION refuse_rollup_write() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'rollup storage unavailable (test fault)'; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER refuse_rollup_write BEFORE INSERT ON analytics_dailyrollup "
            "FOR EACH ROW EXECUTE FUNCTION refuse_rollup_write()"
        )
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER refuse_rollup_write ON analytics_dailyrollup")
        cursor.execute("DROP FUNCTION refuse_rollup_write()")


@pytest.fixture
def world(actor):
    world = build_rollup_world(actor=actor, games=2)
    rollups_refresh()
    OutboxMessage.objects.filter(task_name=REFRESH_TASK).delete()
    return world


def _no_difference(tenant) -> None:
    report = verify_tenant(tenant)
    assert (report.state, report.differences) == ("ok", [])


def _rollup_writes(captured) -> list[str]:
    """Statements through Django's cursors that wrote rollup cells: none (the delta is one prepared
    statement on the connection's own server-side binding cursor, writing all five tables at once)."""
    return [
        query["sql"] for query in captured.captured_queries if "rollup" in query["sql"] and "INSERT" in query["sql"]
    ]


def test_a_single_placement_is_queued_for_the_refresh_not_a_delta(world):
    home = world.tenants[0]
    bet = _place(world, home, "queued-1", "2.50", hours_ago=1)

    assert list(RollupDirtyBet.objects.values_list("bet_id", flat=True)) == [bet.pk]
    assert OutboxMessage.objects.filter(task_name=REFRESH_TASK).count() == 1
    rollups_refresh()
    day = DailyRollup.objects.get(tenant=home)
    assert (day.bets, day.stake, day.pending) == (1, Decimal("2.50"), 1)
    assert HourlyRollup.objects.filter(tenant=home).count() == 1
    assert CapperDayRollup.objects.get(tenant=home).bets == 1
    _no_difference(home)


def test_a_settlement_whose_placement_waits_in_the_queue_falls_back_to_the_queue(world):
    home, game = world.tenants[0], world.games[0]
    bet = _place(world, home, "waiting-1", "1.00", game=game)  # queued, not in the rollups yet
    game_record_result(actor=world.actor, external_id=game.external_id, home_score=3, away_score=1, status="final")

    assert game_grade(game_id=game.pk, actor=world.actor).bets_settled == 1

    assert sorted(RollupDirtyBet.objects.values_list("bet_id", flat=True)) == [bet.pk, bet.pk]
    rollups_refresh()
    _no_difference(home)


def test_auto_grading_adds_what_it_settled_in_one_statement_and_queues_nothing(world):
    home, game = world.tenants[0], world.games[0]
    for number in range(5):
        _place(world, home, f"grade-{number}", "1.00", game=game)
    rollups_refresh()  # the placements counted
    OutboxMessage.objects.filter(task_name=REFRESH_TASK).delete()
    game_record_result(actor=world.actor, external_id=game.external_id, home_score=3, away_score=1, status="final")

    with CaptureQueriesContext(connection) as captured:
        assert game_grade(game_id=game.pk, actor=world.actor).bets_settled == 5

    assert _rollup_writes(captured) == []
    assert not RollupDirtyBet.objects.exists()
    assert not OutboxMessage.objects.filter(task_name=REFRESH_TASK).exists()
    day = DailyRollup.objects.get(tenant=home)
    assert (day.bets, day.pending, day.won, day.net, day.lag_count) == (5, 0, 5, Decimal("6.0000"), 5)
    _no_difference(home)


def test_a_bulk_import_adds_its_bets_in_one_statement(world):
    home = world.tenants[0]
    capper = world.cappers[home.pk][1]
    bets = [
        BetInput(
            f"bulk-{n}",
            capper.member.discord_user_id,
            Decimal("1.25"),
            [LegInput("prop", "x", 105, None, None, "Manual")],
        )
        for n in range(4)
    ]
    with CaptureQueriesContext(connection) as captured:
        bet_place_many(tenant=home, actor=world.actor, bets=bets)

    assert _rollup_writes(captured) == []
    assert not RollupDirtyBet.objects.exists()
    assert sum(DailyRollup.objects.filter(tenant=home).values_list("bets", flat=True)) == 4
    _no_difference(home)


def test_a_delta_that_fails_queues_its_bets_and_the_change_stands(world, refusing_rollup_writes):
    home = world.tenants[0]
    capper = world.cappers[home.pk][1]
    bets = [
        BetInput(
            "refused-1",
            capper.member.discord_user_id,
            Decimal("1.00"),
            [LegInput("prop", "x", 105, None, None, "Manual")],
        )
    ]

    outcomes = bet_place_many(tenant=home, actor=world.actor, bets=bets)

    assert list(RollupDirtyBet.objects.values_list("bet_id", flat=True)) == [outcomes[0].bet_id]
    assert OutboxMessage.objects.filter(task_name=REFRESH_TASK).count() == 1
    assert not DailyRollup.objects.filter(tenant=home).exists()


def test_a_tenant_not_built_in_its_zone_queues_its_bets_for_the_rebuild(world):
    home = world.tenants[0]
    RollupState.objects.filter(tenant=home).update(timezone_name="Asia/Tokyo")  # as if the zone changed
    capper = world.cappers[home.pk][1]
    bets = [
        BetInput(
            "rezoned-1",
            capper.member.discord_user_id,
            Decimal("1.00"),
            [LegInput("prop", "x", 105, None, None, "Manual")],
        )
    ]
    outcomes = bet_place_many(tenant=home, actor=world.actor, bets=bets)

    assert list(RollupDirtyBet.objects.values_list("bet_id", flat=True)) == [outcomes[0].bet_id]
    assert rollups_refresh().rebuilt == [home.pk]
    _no_difference(home)
