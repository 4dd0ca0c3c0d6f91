"""Dashboard charts: a query result + a chart type + options -> a plotly.js figure (pure functions, no ORM).

Ten chart types (models ChartType): line, bar, pie, scatter, area, heatmap, gauge, table, KPI (with the change
against the previous period: pass the previous period's result, `MetricQuery.previous_period()`), funnel.
A line chart draws a forecast as 80% and 95% bands when given the FORECASTS part's answer
(`{"points": [{"t", "yhat", "lower_80", "upper_80", "lower_95", "upper_95"}]}`).

Every point carries `customdata` `{"bucket", "filters"}`: what a click drills into (the portal's drill-down
lists the bets behind it). A result the type cannot draw raises ChartError with a message for the widget's box;
`chart_problem` says the same before a widget is saved.
"""

from django.utils.translation import gettext as _

from apps.analytics.charts import series, single
from apps.analytics.charts.frame import ChartError, Frame, Measure, format_number
from apps.analytics.query import QueryResult
from apps.core.charts import chart_layout

__all__ = ["CHART_TYPES", "ChartError", "Measure", "chart_problem", "figure", "format_number"]

CHART_TYPES = ("line", "bar", "pie", "scatter", "area", "heatmap", "gauge", "table", "kpi", "funnel")


def _rules(chart_type: str, dimensions: int, time: str | None, measures: int, additive: bool) -> list[tuple]:
    """(refused?, why) for each rule of a chart type, in the order they are reported."""
    one = "KPI" if chart_type == "kpi" else chart_type
    return [
        (measures < 1, _("A chart needs at least one metric.")),
        (chart_type in ("line", "area") and not time,
         _("A %(chart_type)s chart draws over time: choose a grain (hour, day, week or month).")
         % {"chart_type": chart_type}),
        (chart_type == "bar" and not (time or dimensions), _("A bar chart needs a grain or a group_by dimension.")),
        (chart_type in ("pie", "funnel") and bool(time),
         _("A %(chart_type)s shows one period: set the grain to none.") % {"chart_type": chart_type}),
        (chart_type == "pie" and not dimensions, _("A pie needs a group_by dimension (its slices).")),
        (chart_type == "funnel" and not dimensions and measures < 2,
         _("A funnel needs a group_by dimension or at least two metrics (its stages).")),
        (chart_type == "scatter" and measures < 2 and not time, _("A scatter needs two metrics (x and y) or a grain.")),
        (chart_type == "heatmap" and not (dimensions and (time or dimensions > 1)) and time != "hour",
         _("A heatmap needs a group_by dimension and a grain (or two dimensions), or hourly figures.")),
        (chart_type in ("kpi", "gauge") and bool(time),
         _("A %(one)s shows one number: set the grain to none.") % {"one": one}),
        (chart_type in ("kpi", "gauge") and bool(dimensions) and not additive,
         _("This metric is not a sum: a %(one)s of it cannot have a group_by.") % {"one": one}),
    ]  # fmt: skip


def chart_problem(chart_type: str, *, dimensions: int, time: str | None, measures: int, additive: bool = True) -> str:
    """Why a result of this shape (`time`: the grain, None for one period) cannot be drawn as `chart_type`
    ('' when it can)."""
    if chart_type not in CHART_TYPES:
        return _("Unknown chart type %(chart_type)s: allowed are %(allowed)s.") % {
            "chart_type": repr(chart_type),
            "allowed": ", ".join(CHART_TYPES),
        }
    return next((why for refused, why in _rules(chart_type, dimensions, time, measures, additive) if refused), "")


def _draw(chart_type: str, frame: Frame, before: Frame | None, options: dict, forecast: dict | None):
    if chart_type in ("line", "area") or (chart_type == "bar" and frame.time):
        data, layout = series.time_traces(frame, chart_type, options)
        if chart_type == "line" and forecast:
            data += series.forecast_traces(forecast, frame.measures[0])
        return data, layout
    drawers = {
        "bar": lambda: series.category_bars(frame, options),
        "scatter": lambda: series.scatter(frame, options),
        "heatmap": lambda: series.heatmap(frame, options),
        "kpi": lambda: single.kpi(frame, before, options),
        "gauge": lambda: single.gauge(frame, before, options),
        "pie": lambda: single.pie(frame, options),
        "funnel": lambda: single.funnel(frame, options),
        "table": lambda: single.table(frame, options),
    }
    return drawers[chart_type]()


def figure(
    result: QueryResult,
    chart_type: str,
    options: dict | None = None,
    *,
    measures: list[Measure] | None = None,
    previous: QueryResult | None = None,
    forecast: dict | None = None,
) -> dict:
    """The plotly figure ({"data", "layout"}) of `result` drawn as `chart_type`; ChartError if it cannot be."""
    options = options or {}
    frame = Frame.of(result.columns, result.rows, result.labels, measures)
    problem = chart_problem(
        chart_type,
        dimensions=len(frame.dimensions),
        time=frame.time,
        measures=len(frame.measures),
        additive=all(measure.additive for measure in frame.measures[:1]),
    )
    if problem:
        raise ChartError(problem)
    before = Frame.of(previous.columns, previous.rows, previous.labels, measures) if previous is not None else None
    data, layout = _draw(chart_type, frame, before, options, forecast)
    show_legend = len(data) > 1 and chart_type not in ("kpi", "gauge", "table")
    base = chart_layout(
        margin={"l": 10, "r": 10, "t": 10, "b": 30},
        showlegend=show_legend or chart_type == "pie",
        legend={"orientation": "h", "y": -0.15},
        hovermode="closest",
    )
    return {"data": data, "layout": {**base, **layout}}
