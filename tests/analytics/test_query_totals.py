"""A query without grain and without group_by answers one total, the same as the sum of its days: the raw engine
aggregates it in one statement (grouping by nothing must not group by every column, one group per row)."""

import pytest

from apps.analytics.query import MetricQuery, run_query
from tests.analytics.world import build_world

pytestmark = pytest.mark.django_db


def test_one_total_counts_distinct_cappers_once(tenant, actor):
    world = build_world(tenant=tenant, actor=actor)
    day = world.day.date().isoformat()
    params = {"metrics": "active_cappers,bets_placed,stake_units,units_net,win_rate", "from": day, "to": day}

    (total,) = run_query(MetricQuery.parse({**params, "grain": "none"}, tenant=tenant)).rows
    (by_day,) = run_query(MetricQuery.parse({**params, "grain": "day"}, tenant=tenant)).rows

    assert total == by_day[1:]
    assert total[0] == 2  # joe and ann, not one per bet
    assert total[1] == 6
