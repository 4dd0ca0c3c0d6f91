"""Drawing a widget: its stored query (or panel) run over the dashboard's range, drawn as its chart type.

A widget that cannot be drawn (a metric removed from the registry, a panel gone, a query a tenant dashboard
may not ask, a shape its chart type cannot show) is drawn as an error box with the reason; the other widgets
and the page are unaffected. Hourly widgets show the last days of a longer range (the hour grain answers at
most MAX_RANGE_DAYS["hour"] days) and say so.
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from apps.analytics.charts import ChartError, Measure, figure, format_number
from apps.analytics.metrics import METRICS
from apps.analytics.models import ChartType, DashboardScope, Widget
from apps.analytics.panels import panel_get
from apps.analytics.query import MAX_RANGE_DAYS, MetricQuery, QueryResult, run_query
from apps.analytics.selectors.batching import answer_together
from apps.analytics.selectors.dashboards import DateRange
from apps.analytics.selectors.forecasts import forecast_for
from apps.core.errors import ApplicationError
from apps.tenants.models import Tenant

logger = logging.getLogger(__name__)

TABLE_ROWS = 100  # rows of the table shown beside a chart (screen readers, no JavaScript)
WITH_PREVIOUS = frozenset({ChartType.KPI, ChartType.GAUGE})
CLICKABLE = frozenset({ChartType.BAR, ChartType.PIE, ChartType.LINE, ChartType.AREA, ChartType.SCATTER,
                       ChartType.HEATMAP, ChartType.FUNNEL})  # fmt: skip


@dataclass
class WidgetView:
    widget: Widget
    figure: dict | None = None
    error: str = ""
    notes: list[str] = field(default_factory=list)
    table: dict | None = None
    drillable: bool = False  # the rows behind it are bets: a click lists them
    stale: bool = False

    @property
    def figure_id(self) -> str:
        return f"widget-figure-{self.widget.pk}"


def widget_grain(widget: Widget) -> str | None:
    raw = (widget.query or {}).get("grain")
    if raw == "none":
        return None
    return raw or "day"


def widget_query(*, widget: Widget, tenant: Tenant | None, date_range: DateRange) -> tuple[MetricQuery, list[str]]:
    """The checked query of a metric widget over the range (400 naming what is wrong), and notes to show."""
    notes = []
    start, end = date_range.start, date_range.end
    grain = widget_grain(widget)
    limit = MAX_RANGE_DAYS.get(grain, MAX_RANGE_DAYS[None])
    if date_range.days > limit:
        start = end - timedelta(days=limit - 1)
        notes.append(f"{grain or 'This'} figures: the last {limit} days of the range.".capitalize())
    params = {**(widget.query or {}), "from": start.isoformat(), "to": end.isoformat()}
    return MetricQuery.parse(params, tenant=tenant), notes


def _panel_measures(panel) -> list[Measure]:
    return [
        Measure(column.name, column.label, column.unit, column.format, column.additive, column.higher_is_better)
        for column in panel.columns
    ]


def _header(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _table(result: QueryResult, measures: list[Measure]) -> dict:
    formats = {measure.name: measure for measure in measures}
    headers = [formats[name].label if name in formats else _header(name) for name in result.columns]
    rows = []
    for row in result.rows[:TABLE_ROWS]:
        cells = []
        for name, value in zip(result.columns, row, strict=True):
            if name in formats:
                cells.append(format_number(value, formats[name].format))
            elif value is None or value == "":
                cells.append("(none)")
            else:
                cells.append(result.labels.get(name, {}).get(str(value)) or str(value))
        rows.append(cells)
    return {"headers": headers, "rows": rows, "more": max(len(result.rows) - TABLE_ROWS, 0)}


def _panel_view(view: WidgetView, tenant: Tenant | None, date_range: DateRange, computed: dict) -> None:
    widget = view.widget
    panel = panel_get(widget.panel)
    if panel is None:
        view.error = f"The panel {widget.panel!r} is no longer available: edit or remove this widget."
        return
    if panel.platform_only and widget.dashboard.scope == DashboardScope.TENANT:
        view.error = f"{panel.label} is a platform figure: a tenant dashboard cannot show it."
        return
    asked = (widget.panel, date_range.start, date_range.end, getattr(tenant, "pk", None))
    if asked not in computed:  # two widgets of a page drawing one panel (a KPI and its table) compute it once
        computed[asked] = panel.compute(date_range.start, date_range.end, tenant)
    result = computed[asked]
    measures = _panel_measures(panel)
    view.figure = figure(result, widget.chart_type, widget.options, measures=measures)
    view.table = _table(result, measures)


def _missing_metrics(widget: Widget) -> list[str]:
    raw = (widget.query or {}).get("metrics") or ""
    return [name for name in (part.strip() for part in str(raw).split(",")) if name and name not in METRICS]


def _metric_view(view: WidgetView, tenant: Tenant | None, date_range: DateRange, answers: dict) -> None:
    widget = view.widget
    missing = _missing_metrics(widget)
    if missing:
        view.error = (
            f"Metric not available: {', '.join(missing)} is not in the metric registry (removed, or not added "
            "yet). Edit or remove this widget."
        )
        return
    query, notes = widget_query(widget=widget, tenant=tenant, date_range=date_range)
    view.notes = [*notes, *view.notes]
    result = answers.get(query) or run_query(query)
    previous = None
    if widget.chart_type in WITH_PREVIOUS:
        previous = answers.get(query.previous_period()) or run_query(query.previous_period())
    forecast = None
    if widget.chart_type == ChartType.LINE and (widget.options or {}).get("forecast"):
        forecast, why = forecast_for(query)
        if why:
            view.notes.append(why)
    view.figure = figure(result, widget.chart_type, widget.options, previous=previous, forecast=forecast)
    view.table = _table(result, [Measure.of_metric(metric) for metric in query.metric_defs])
    view.stale = result.stale
    view.drillable = widget.chart_type in CLICKABLE and all(m.source == "bets" for m in query.metric_defs)


def widget_view(
    *,
    widget: Widget,
    tenant: Tenant | None,
    date_range: DateRange,
    answers: dict | None = None,
    panels: dict | None = None,
) -> WidgetView:
    """The widget drawn over the range for the tenant (None: the platform), or its error box. `answers`: metric
    queries already answered (widget_views merges the queries of a dashboard's widgets); `panels`: the panel
    results this page computed so far (filled here)."""
    view = WidgetView(widget=widget)
    if (widget.options or {}).get("note"):
        view.notes.append(str(widget.options["note"]))
    if widget.dashboard.scope == DashboardScope.TENANT and tenant is None:
        view.error = "Pick a tenant to see this widget."
        return view
    try:
        if widget.panel:
            _panel_view(view, tenant, date_range, {} if panels is None else panels)
        else:
            _metric_view(view, tenant, date_range, answers or {})
    except (ApplicationError, ChartError) as problem:
        view.error = f"This widget cannot be drawn: {getattr(problem, 'message', None) or problem}"
        view.figure = view.table = None
    except Exception:  # noqa: BLE001 - one broken widget must not take the dashboard down
        logger.exception("widget %s failed", widget.pk)
        view.error = "This widget failed to draw (the error is logged); the other widgets are unaffected."
        view.figure = view.table = None
    return view


def widget_metric_names(widget: Widget) -> set[str]:
    """The registry metrics a widget's query names (what a live update matches on)."""
    raw = (widget.query or {}).get("metrics") or ""
    return {name.strip() for name in str(raw).split(",") if name.strip() in METRICS}


def _queries_of(widgets: list[Widget], tenant: Tenant | None, date_range: DateRange) -> list[MetricQuery]:
    """The metric queries the widgets will run (and the previous periods of KPIs and gauges); a widget whose
    query fails is left out here and shows its error when drawn."""
    queries = []
    for widget in widgets:
        if widget.panel or _missing_metrics(widget):
            continue
        try:
            query, _ = widget_query(widget=widget, tenant=tenant, date_range=date_range)
        except ApplicationError:
            continue
        queries.append(query)
        if widget.chart_type in WITH_PREVIOUS:
            queries.append(query.previous_period())
    return queries


def widget_views(*, widgets: list[Widget], tenant: Tenant | None, date_range: DateRange) -> list[WidgetView]:
    """A dashboard's widgets drawn together: the queries that differ only in their metrics run once, and a panel
    two widgets draw is computed once."""
    answers = {}
    if not (widgets and widgets[0].dashboard.scope == DashboardScope.TENANT and tenant is None):
        try:
            answers = answer_together(_queries_of(widgets, tenant, date_range))
        except Exception:  # noqa: BLE001 - drawn one by one below, where each widget shows its own error
            logger.exception("merged widget queries failed")
    panels: dict = {}
    return [
        widget_view(widget=widget, tenant=tenant, date_range=date_range, answers=answers, panels=panels)
        for widget in widgets
    ]
