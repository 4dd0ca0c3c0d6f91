"""The platform's own telemetry (API requests and errors, cache hit ratio), from the samples beat stores.

Placeholder of the foundation commit: the sampler (middleware counters flushed to Redis, a beat task
writing TelemetrySample rows) lands with its own change; until then these metrics answer no rows.
"""

from apps.analytics.metrics import Metric
from apps.analytics.query import MetricQuery
from apps.analytics.sources.types import SourceAnswer


def compute(query: MetricQuery, metrics: list[Metric]) -> SourceAnswer:
    return SourceAnswer(values={}, origin="samples")
