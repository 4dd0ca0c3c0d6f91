"""Building a report's content from metric queries: one or two queries per section, no writes.

Every figure comes from `run_query` over `MetricQuery.parse(...)` for the tenant (or the platform), so a
report's numbers are the API's and the dashboards' numbers. Comparisons use `query.previous_period()`.
"""

from datetime import date
from typing import Any

from apps.analytics.metrics import METRICS
from apps.analytics.query import MetricQuery, QueryResult, run_query
from apps.analytics.reports.content import Kpi, Mover, ReportContent, SectionContent, format_value
from apps.analytics.reports.periods import previous_range
from apps.analytics.reports.recommendations import recommendations_write
from apps.analytics.reports.templates import KPIS, MOVERS, RECOMMENDATIONS, TOP, TREND, ReportTemplate, Section

# A trend over more days than this is drawn per week (a month of days reads well; a quarter does not).
TREND_DAILY_MAX_DAYS = 62
NO_VALUE_LABEL = "(none)"  # a bet on no listed game has no league or sport


def _query(section: Section, tenant, start: date, end: date, **params: str) -> MetricQuery:
    return MetricQuery.parse(
        {"metrics": ",".join(section.metrics), "from": start.isoformat(), "to": end.isoformat(), **params},
        tenant=tenant,
    )


def _label(result: QueryResult, dimension: str, key: Any) -> str:
    if key in (None, ""):
        return NO_VALUE_LABEL
    return result.labels.get(dimension, {}).get(str(key), str(key))


def _by_key(result: QueryResult, dimension: str) -> dict[Any, dict[str, Any]]:
    position = result.columns.index(dimension)
    return {row[position]: dict(zip(result.columns, row, strict=True)) for row in result.rows}


def _kpis(section: Section, tenant, start: date, end: date) -> SectionContent:
    query = _query(section, tenant, start, end, grain="none")
    current, previous = run_query(query), run_query(query.previous_period())
    now = dict(zip(current.columns, current.rows[0], strict=True)) if current.rows else {}
    before = dict(zip(previous.columns, previous.rows[0], strict=True)) if previous.rows else {}
    kpis = [Kpi(name, METRICS[name].label, now.get(name), before.get(name)) for name in section.metrics]
    return SectionContent(
        section=section,
        columns=["metric", "label", "current", "previous", "change", "relative_change"],
        rows=[[k.metric, k.label, k.current, k.previous, k.change, k.relative] for k in kpis],
        kpis=kpis,
    )


def _movers(section: Section, tenant, start: date, end: date) -> SectionContent:
    """Every value of the dimension seen in either period, ranked by the size of its `rank_by` change."""
    dimension, rank = section.dimension, section.rank_by
    query = _query(section, tenant, start, end, grain="none", group_by=dimension)
    current, previous = run_query(query), run_query(query.previous_period())
    now, before = _by_key(current, dimension), _by_key(previous, dimension)
    labels = {key: _label(current if key in now else previous, dimension, key) for key in {*now, *before}}

    def value(rows: dict, key: Any, metric: str) -> float:
        return (rows.get(key) or {}).get(metric) or 0

    ranked = sorted(
        labels, key=lambda key: (-abs(value(now, key, rank) - value(before, key, rank)), labels[key], str(key))
    )
    rows = []
    for key in ranked:
        row: list[Any] = [key, labels[key]]
        for metric in section.metrics:
            current_value, previous_value = value(now, key, metric), value(before, key, metric)
            row += [current_value, previous_value, current_value - previous_value]
        rows.append(row)
    movers = [
        Mover(key, labels[key], value(now, key, rank), value(before, key, rank))
        for key in ranked
        if value(now, key, rank) != value(before, key, rank)
    ][: section.limit]
    columns = [dimension, "label"]
    for metric in section.metrics:
        columns += [metric, f"{metric}_previous", f"{metric}_change"]
    return SectionContent(section=section, columns=columns, rows=rows, movers=movers)


def _trend(section: Section, tenant, start: date, end: date) -> SectionContent:
    grain = "day" if (end - start).days + 1 <= TREND_DAILY_MAX_DAYS else "week"
    result = run_query(_query(section, tenant, start, end, grain=grain))
    return SectionContent(
        section=section,
        columns=list(result.columns),
        rows=[list(row) for row in result.rows],
        buckets=[str(bucket) for bucket in result.column(grain)],
        series={metric: result.column(metric) for metric in section.metrics},
    )


def _top(section: Section, tenant, start: date, end: date) -> SectionContent:
    dimension, rank = section.dimension, section.rank_by
    result = run_query(_query(section, tenant, start, end, grain="none", group_by=dimension))
    position = result.columns.index(rank)
    ordered = sorted(
        result.rows,
        key=lambda row: (row[position] is None, -(row[position] or 0), _label(result, dimension, row[0]), str(row[0])),
    )
    rows = [[row[0], _label(result, dimension, row[0]), *row[1:]] for row in ordered]
    shown = [
        [label, *(format_value(metric, value) for metric, value in zip(section.metrics, values, strict=True))]
        for _, label, *values in rows[: section.limit]
    ]
    return SectionContent(
        section=section,
        columns=[dimension, "label", *section.metrics],
        rows=rows,
        table_columns=[dimension.replace("_", " "), *(METRICS[metric].label for metric in section.metrics)],
        table_rows=shown,
    )


BUILDERS = {KPIS: _kpis, MOVERS: _movers, TREND: _trend, TOP: _top}


def report_content_build(*, template: ReportTemplate, tenant, start: date, end: date) -> ReportContent:
    """The report's sections from live figures for the tenant (None: the platform) over start..end."""
    previous_start, previous_end = previous_range(start, end)
    content = ReportContent(
        template=template,
        scope_label=tenant.name if tenant is not None else "the platform",
        start=start,
        end=end,
        previous_start=previous_start,
        previous_end=previous_end,
    )
    for section in template.sections:
        if section.kind != RECOMMENDATIONS:
            content.sections.append(BUILDERS[section.kind](section, tenant, start, end))
    for section in template.sections:
        if section.kind == RECOMMENDATIONS:
            written = recommendations_write(content)
            content.sections.insert(
                template.sections.index(section),
                SectionContent(
                    section=section,
                    columns=["rule", "recommendation"],
                    rows=[[item.rule, item.text] for item in written],
                    recommendations=written,
                ),
            )
    return content
