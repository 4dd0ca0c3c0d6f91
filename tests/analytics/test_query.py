"""The metric layer's query engine on a small world: the numbers agree with the ledger's own records."""

from decimal import Decimal

import pytest

from apps.analytics.query import MetricQuery, run_query
from apps.betting.selectors import capper_record
from apps.core.errors import ApplicationError
from tests.analytics.world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tenant, actor):
    return build_world(tenant=tenant, actor=actor)


def _query(world, **params):
    day = world.day.date().isoformat()
    return MetricQuery.parse({"from": day, "to": day, **params}, tenant=world.tenant)


def test_units_and_roi_by_capper_match_the_capper_record(world):
    result = run_query(_query(world, metrics="units_net,roi,bets_placed,win_rate", group_by="capper", grain="none"))
    assert result.columns == ["capper", "units_net", "roi", "bets_placed", "win_rate"]
    by_capper = {row[0]: row[1:] for row in result.rows}
    for capper in (world.joe, world.ann):
        record = capper_record(tenant=world.tenant, capper=capper, period_label="lifetime")
        units_net, roi, _, _ = by_capper[capper.pk]
        assert Decimal(str(units_net)) == record["net_units"]
        assert roi == pytest.approx(float(record["roi"]), abs=1e-4)
    assert by_capper[world.joe.pk][2] == 3 and by_capper[world.ann.pk][2] == 3
    assert by_capper[world.joe.pk][3] == pytest.approx(1.0)  # two won, one void (left out)
    assert by_capper[world.ann.pk][3] == pytest.approx(0.5)  # the spread lost, the parlay won, the prop pending
    assert result.labels["capper"] == {str(world.joe.pk): "joe", str(world.ann.pk): "ann"}


def test_a_parlay_counts_under_its_first_leg_league_and_the_parlay_market(world):
    result = run_query(_query(world, metrics="bets_placed,stake_units", group_by="league,market", grain="none"))
    rows = {(row[0], row[1]): row[2:] for row in result.rows}
    assert rows[("nba", "moneyline")] == [1, 2.0]
    assert rows[("nba", "parlay")] == [1, 0.5]
    assert rows[("nba", "spread")] == [1, 1.0]
    assert rows[("nhl", "moneyline")] == [1, 3.0]
    assert rows[(None, "prop")] == [1, 1.0]  # a manual leg has no league


def test_day_grain_fills_every_day_and_pending_counts_the_unsettled(world):
    day = world.day.date()
    query = MetricQuery.parse(
        {"metrics": "pending_bets,parlay_share", "from": (day.replace(day=1)).isoformat(), "to": day.isoformat()},
        tenant=world.tenant,
    )
    result = run_query(query)
    assert result.columns == ["day", "pending_bets", "parlay_share"]
    assert len(result.rows) == day.day
    placed_row = next(row for row in result.rows if row[0] == day.isoformat())
    assert placed_row[1] == 1  # the manual prop leg is still pending
    assert placed_row[2] == pytest.approx(1 / 6, abs=1e-6)
    assert all(row[1] == 0 and row[2] is None for row in result.rows if row[0] != day.isoformat())


def test_a_filter_narrows_to_the_named_values(world):
    result = run_query(_query(world, metrics="bets_placed", grain="none", filter_bet_type="parlay"))
    assert result.rows == [[1]]


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"metrics": "units_net,bogus"}, ["bogus", "units_net", "roi"]),
        ({"metrics": ""}, ["bets_placed"]),
        ({"metrics": "parlay_share", "group_by": "bet_type"}, ["parlay_share", "bet_type", "league"]),
        ({"metrics": "roi", "group_by": "colour"}, ["colour", "league", "bet_type"]),
        ({"metrics": "roi", "grain": "minute"}, ["minute", "hour", "day"]),
        ({"metrics": "roi", "from": "2026-13-01"}, ["YYYY-MM-DD"]),
        ({"metrics": "roi", "grain": "hour", "from": "2026-01-01", "to": "2026-03-01"}, ["14 days"]),
        ({"metrics": "incidents_opened"}, ["incidents_opened"]),
        ({"metrics": "roi", "group_by": "tenant"}, ["platform-wide"]),
    ],
)
def test_bad_queries_are_refused_naming_what_is_allowed(tenant, params, names):
    with pytest.raises(ApplicationError) as refused:
        MetricQuery.parse(params, tenant=tenant)
    assert refused.value.status_code == 400
    for name in names:
        assert name in refused.value.message


def test_a_platform_query_groups_by_tenant(world, other_tenant, actor):
    build_world(tenant=other_tenant, actor=actor, suffix="2")
    day = world.day.date().isoformat()
    query = MetricQuery.parse(
        {"metrics": "bets_placed,units_net", "group_by": "tenant", "grain": "none", "from": day, "to": day}, tenant=None
    )
    rows = {row[0]: row[1:] for row in run_query(query).rows}
    assert rows[world.tenant.guild_id][0] == 6 and rows[other_tenant.guild_id][0] == 6
    assert rows[world.tenant.guild_id][1] == rows[other_tenant.guild_id][1]


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"metrics": "roi", "filter_capper": "joe"}, "capper ids"),
        ({"metrics": "roi", "filter_league": "nba\x00"}, "without NUL"),
    ],
)
def test_filter_values_that_cannot_match_are_refused(tenant, params, name):
    with pytest.raises(ApplicationError) as refused:
        MetricQuery.parse(params, tenant=tenant)
    assert name in refused.value.message
