"""One metric query for the widgets of a dashboard that ask the same question of different metrics.

The executive dashboard's four KPIs all ask "the whole range, no grouping" (and the previous range, for their
change): answered separately that is eight queries, merged it is two. Widgets are merged when their queries
differ only in their metrics and those are betting metrics (so the rows are the same: the bet source keys its
rows by the dimensions and the bucket, whatever metrics it was asked for); each widget then reads its own columns
from the merged answer. At most MAX_METRICS metrics go into one query.
"""

from collections import defaultdict
from dataclasses import replace

from apps.analytics.query import MAX_METRICS, MetricQuery, QueryResult, run_query

MERGED_SOURCES = frozenset({"bets"})  # a bet source's rows are keyed the same whatever metrics it computes


def _question(query: MetricQuery) -> tuple | None:
    """What a query asks apart from its metrics; None when it is not merged (a source whose rows may differ with
    the metrics asked, like the event counts grouped by tenant)."""
    sources = {metric.source for metric in query.metric_defs}
    if len(sources) != 1 or not sources <= MERGED_SOURCES:
        return None
    return (*sources, query.group_by, query.grain, query.filters, query.start, query.end, query.tenant_id,
            query.timezone_name)  # fmt: skip


def _columns(result: QueryResult, query: MetricQuery) -> QueryResult:
    """The merged answer narrowed to `query`'s columns, in its order."""
    names = [*query.group_by, *([query.grain] if query.grain else []), *query.metrics]
    indexes = [result.columns.index(name) for name in names]
    return QueryResult(
        columns=names,
        rows=[[row[index] for index in indexes] for row in result.rows],
        labels=result.labels,
        source=result.source,
        stale=result.stale,
    )


def answer_together(queries: list[MetricQuery]) -> dict[MetricQuery, QueryResult]:
    """The answer of every query, merging those that ask the same question of different metrics."""
    groups: dict[tuple, list[MetricQuery]] = defaultdict(list)
    alone = []
    for query in dict.fromkeys(queries):
        question = _question(query)
        if question is None:
            alone.append(query)
        else:
            groups[question].append(query)
    answers = {query: run_query(query) for query in alone}
    for members in groups.values():
        names = list(dict.fromkeys(name for query in members for name in query.metrics))
        for start in range(0, len(names), MAX_METRICS):
            chunk = names[start : start + MAX_METRICS]
            covered = [query for query in members if set(query.metrics) <= set(chunk) and query not in answers]
            if not covered:
                continue
            merged = run_query(replace(covered[0], metrics=tuple(chunk)))
            answers.update({query: _columns(merged, query) for query in covered})
        for query in members:  # a query whose metrics fell into two chunks
            if query not in answers:
                answers[query] = run_query(query)
    return answers
