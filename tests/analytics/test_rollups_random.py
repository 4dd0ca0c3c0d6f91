"""Random sequences of betting changes keep the rollups equal to the raw ledger (issue 14, item 2).

Each example draws a sequence of placements, settlements, corrections, voids, final scores with
auto-grading, corrected scores, fixtures moved between leagues and queue refreshes, in four tenants
whose time zones are far apart: grading passes add their deltas in their transactions, the other
changes queue their bets. Then the queue is emptied and `analytics_verify`'s comparison finds
no difference, and queries answered from the rollups equal the same queries answered from the raw rows.
"""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from apps.analytics.metrics import METRICS as METRIC_DEFINITIONS
from apps.analytics.models import RollupDirtyBet
from apps.analytics.query import MetricQuery, run_query
from apps.analytics.rollup_verify import verify_tenant
from apps.analytics.services.rollups import rollups_mark_stale, rollups_refresh
from tests.analytics.rollup_world import OPERATIONS, apply, build_rollup_world

pytestmark = pytest.mark.django_db

DRAW = st.integers(min_value=0, max_value=10_000)
OPERATION = st.tuples(st.integers(min_value=0, max_value=OPERATIONS - 1), DRAW, DRAW, DRAW, DRAW)
# every betting metric, across the grains and the dimensions (a query takes at most 8 metrics)
METRICS = (
    "bets_placed,stake_units,units_net,roi,win_rate,active_cappers,pending_bets,grading_lag_seconds",
    "avg_decimal_odds,parlay_share,active_cappers,units_net",
)
TENANT_QUERIES = (
    {"group_by": "league", "grain": "day"},
    {"group_by": "capper", "grain": "week"},
    {"group_by": "sport,market", "grain": "month"},
    {"group_by": "bet_type", "grain": "hour"},
    {"group_by": "league,capper", "grain": "none"},
    {"group_by": "market", "grain": "day", "filter_league": "nba"},
    {"grain": "week"},  # the tenant-day rows answer this one
)
PLATFORM_QUERIES = (
    {"group_by": "tenant", "grain": "day"},
    {"group_by": "league", "grain": "week"},
    {"group_by": "tenant,capper", "grain": "none"},
)


@pytest.fixture
def world(actor):
    return build_rollup_world(actor=actor)


def _allowed(metrics: str, shape: dict) -> str:
    """The metrics of `metrics` that may be split the way `shape` splits (active cappers not by capper)."""
    split = set(shape.get("group_by", "").split(",")) - {""}
    return ",".join(name for name in metrics.split(",") if split <= METRIC_DEFINITIONS[name].dimensions)


def _queries(world):
    today = timezone.now().date()
    span = {"from": (today - timedelta(days=4)).isoformat(), "to": (today + timedelta(days=1)).isoformat()}
    queries = [  # every shape for every tenant, the two metric sets in turn
        MetricQuery.parse({**span, **shape, "metrics": _allowed(METRICS[(number + index) % 2], shape)}, tenant=tenant)
        for number, tenant in enumerate(world.tenants)
        for index, shape in enumerate(TENANT_QUERIES)
    ]
    queries += [
        MetricQuery.parse({**span, **shape, "metrics": _allowed(METRICS[index % 2], shape)})
        for index, shape in enumerate(PLATFORM_QUERIES)
    ]
    return queries


@settings(
    max_examples=6,
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),  # no shrinking: an example costs seconds of SQL
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(OPERATION, min_size=5, max_size=35))
def test_random_changes_keep_the_rollups_equal_to_the_raw_ledger(world, operations):
    with transaction.atomic():  # each example starts from the same world
        for number, operation in enumerate(operations):
            apply(world, operation, number)
        # auto-grading passes added their deltas (or fell back to the queue when a bet's placement was still
        # queued); the rest queued their bets, and the refresh recomputes those days on top of the deltas
        rollups_refresh()
        assert not RollupDirtyBet.objects.exists()

        for tenant in world.tenants:
            report = verify_tenant(tenant)
            assert report.state == "ok"
            assert report.differences == [], "\n".join(difference.describe() for difference in report.differences)

        queries = _queries(world)
        from_rollups = [run_query(query) for query in queries]
        assert {(result.source, result.stale) for result in from_rollups} == {("rollup", False)}

        rollups_mark_stale(tenant_ids=[tenant.pk for tenant in world.tenants], reason="test: read the raw ledger")
        from_raw = [run_query(query) for query in queries]
        assert {(result.source, result.stale) for result in from_raw} == {("raw", True)}
        for query, rollup, raw in zip(queries, from_rollups, from_raw, strict=True):
            assert rollup.columns == raw.columns
            assert rollup.rows == raw.rows, query
            assert rollup.labels == raw.labels
        transaction.set_rollback(True)


def test_platform_hours_of_a_half_hour_zone_are_read_raw_and_not_called_stale(world):
    """Kolkata's hours start at :30 UTC: its hourly rows cannot be cut into UTC hours."""
    today = timezone.now().date().isoformat()
    result = run_query(MetricQuery.parse({"metrics": "bets_placed", "grain": "hour", "from": today, "to": today}))
    assert (result.source, result.stale) == ("raw", False)
    in_utc = MetricQuery.parse(
        {"metrics": "bets_placed", "grain": "hour", "from": today, "to": today, "filter_tenant": "777000000000000001"}
    )
    assert run_query(in_utc).source == "rollup"
