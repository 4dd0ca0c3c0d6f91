"""Where each metric's numbers come from; `answer()` merges the sources' figures into one result.

Each source module has `compute(query, metrics) -> SourceAnswer`: per key (the group-by values, then the
time bucket) the value of each metric it was asked for. Buckets are the grain's start in the query's time
zone (buckets.py). Sums are filled with 0 for every bucket of a series that appears; ratios and means stay
empty (None) where there is nothing to divide.
"""

from apps.analytics.query import MetricQuery, QueryResult
from apps.analytics.sources import bets, events, samples
from apps.analytics.sources.buckets import bucket_label, buckets_between
from apps.analytics.sources.types import SourceAnswer

SOURCES = {"bets": bets, "events": events, "samples": samples}
ZERO_FILLED = frozenset({"sum", "distinct"})


def answer(query: MetricQuery) -> QueryResult:
    answers: list[SourceAnswer] = []
    for source_name, module in SOURCES.items():
        metrics = [metric for metric in query.metric_defs if metric.source == source_name]
        if metrics:
            answers.append(module.compute(query, metrics))
    values: dict[tuple, dict[str, float | None]] = {}
    labels: dict[str, dict[str, str]] = {}
    for source_answer in answers:
        for key, figures in source_answer.values.items():
            values.setdefault(key, {}).update(figures)
        for dimension, names in source_answer.labels.items():
            labels.setdefault(dimension, {}).update(names)
    _fill(query, values)
    columns = [*query.group_by, *([query.grain] if query.grain else []), *query.metrics]
    rows = [
        [
            *_dimension_values(key, query),
            *_bucket_column(key, query),
            *(values[key].get(name) for name in query.metrics),
        ]
        for key in sorted(values, key=_sort_key)
    ]
    return QueryResult(
        columns=columns,
        rows=rows,
        labels=labels,
        source="+".join(sorted({a.origin for a in answers if a.origin})) or "raw",
        stale=any(a.stale for a in answers),
    )


def _fill(query: MetricQuery, values: dict[tuple, dict]) -> None:
    """Every bucket of every series that appears, so a chart and a forecast see the empty days as 0."""
    if not query.grain:
        if not values and not query.group_by:
            values[()] = {}
    else:
        series = {key[:-1] for key in values} or ({()} if not query.group_by else set())
        for prefix in series:
            for bucket in buckets_between(query):
                values.setdefault((*prefix, bucket), {})
    for figures in values.values():
        for metric in query.metric_defs:
            if metric.name not in figures or figures[metric.name] is None:
                figures[metric.name] = 0 if metric.aggregation in ZERO_FILLED else figures.get(metric.name)


def _dimension_values(key: tuple, query: MetricQuery) -> list:
    return list(key[: len(query.group_by)])


def _bucket_column(key: tuple, query: MetricQuery) -> list:
    return [bucket_label(key[-1], query)] if query.grain else []


def _sort_key(key: tuple) -> tuple:
    return tuple(
        (value is None, str(value) if not isinstance(value, int | float) else f"{value:020.6f}") for value in key
    )
