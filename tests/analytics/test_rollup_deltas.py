"""Placements, bulk imports and auto-grading add their delta to the rollup cells in their own transaction
(services/rollup_deltas.py): one statement for the batch, nothing queued, no refresh asked for; a delta
that cannot be applied queues its bets for the refresh instead."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.analytics.models import CapperDayRollup, DailyRollup, HourlyRollup, RollupDirtyBet, RollupState
from apps.analytics.rollup_verify import verify_tenant
from apps.analytics.services.rollups import rollups_refresh
from apps.betting.services import game_grade, game_record_result
from apps.betting.services.bets import LegInput
from apps.betting.services.bulk import BetInput, bet_place_many
from apps.core.models import OutboxMessage
from tests.analytics.rollup_world import build_rollup_world
from tests.analytics.test_rollups import REFRESH_TASK, _place, refusing_rollup_writes  # noqa: F401, F811 - a fixture

pytestmark = pytest.mark.django_db


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


def test_a_placement_adds_its_bet_to_the_cells_in_one_statement_and_queues_nothing(world):
    home = world.tenants[0]
    with CaptureQueriesContext(connection) as captured:
        _place(world, home, "delta-1", "2.50", hours_ago=1)

    assert _rollup_writes(captured) == []
    assert not RollupDirtyBet.objects.exists()
    assert not OutboxMessage.objects.filter(task_name=REFRESH_TASK).exists()
    _place(world, home, "delta-2", "1.00", hours_ago=1)  # the same cell: added to it
    day = DailyRollup.objects.get(tenant=home)
    assert (day.bets, day.stake, day.pending) == (2, Decimal("3.50"), 2)
    assert HourlyRollup.objects.filter(tenant=home).count() == 1
    assert CapperDayRollup.objects.get(tenant=home).bets == 2
    _no_difference(home)


def test_auto_grading_adds_what_it_settled_in_one_statement_and_queues_nothing(world):
    home, game = world.tenants[0], world.games[0]
    for number in range(5):
        _place(world, home, f"grade-{number}", "1.00", game=game)
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


def test_a_delta_that_fails_queues_its_bet_and_the_change_stands(world, refusing_rollup_writes):  # noqa: F811
    home = world.tenants[0]
    bet = _place(world, home, "refused-1", "1.00")

    assert list(RollupDirtyBet.objects.values_list("bet_id", flat=True)) == [bet.pk]
    assert OutboxMessage.objects.filter(task_name=REFRESH_TASK).count() == 1
    assert not DailyRollup.objects.filter(tenant=home).exists()


def test_a_tenant_not_built_in_its_zone_queues_its_bets_for_the_rebuild(world):
    home = world.tenants[0]
    RollupState.objects.filter(tenant=home).update(timezone_name="Asia/Tokyo")  # as if the zone changed
    bet = _place(world, home, "rezoned-1", "1.00")

    assert list(RollupDirtyBet.objects.values_list("bet_id", flat=True)) == [bet.pk]
    assert rollups_refresh().rebuilt == [home.pk]
    _no_difference(home)
