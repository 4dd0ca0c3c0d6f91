"""Betting metrics: from the rollups when they are fresh for the query's tenants, else from raw rows.

The raw path (bets_raw.py) is the definition: the rollups must agree with it (`analytics_verify`).
"""

from apps.analytics.metrics import Metric
from apps.analytics.query import MetricQuery
from apps.analytics.sources import bets_raw, bets_rollup
from apps.analytics.sources.components import DERIVE
from apps.analytics.sources.labels import dimension_labels
from apps.analytics.sources.types import SourceAnswer


def compute(query: MetricQuery, metrics: list[Metric]) -> SourceAnswer:
    components, origin, stale = _components(query)
    values = {key: {metric.name: DERIVE[metric.name](parts) for metric in metrics} for key, parts in components.items()}
    return SourceAnswer(values=values, labels=dimension_labels(query, values), origin=origin, stale=stale)


def _components(query: MetricQuery):
    """(components by key, origin, stale): the rollups when they can answer for every tenant of the query,
    else the raw rows; `stale` when the rollups should have answered but lag or failed."""
    freshness = bets_rollup.freshness(query)
    if freshness.usable:
        return bets_rollup.components(query), "rollup", False
    return bets_raw.components(query), "raw", freshness.stale
