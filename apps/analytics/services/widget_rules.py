"""What a widget may be: its query checked by the metric layer, a chart type that can draw its shape, known
options, and a box inside the grid that overlaps no other widget. Each refusal is a 400 naming what is allowed.
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from apps.analytics.charts import chart_problem
from apps.analytics.metrics import METRICS
from apps.analytics.models import Dashboard, DashboardScope, Widget
from apps.analytics.models.dashboards import GRID_COLUMNS, MAX_WIDGET_HEIGHT
from apps.analytics.panels import PANELS, panel_get
from apps.analytics.query import FILTER_PREFIX, MetricQuery
from apps.core.errors import ApplicationError
from apps.tenants.models import Tenant

QUERY_KEYS = ("metrics", "group_by", "grain")
MAX_ROWS = 1000  # how far down a widget may sit
# option -> (accepted types, check, what is allowed)
OPTIONS = {
    "top": (int, lambda v: 1 <= v <= 50, "a whole number from 1 to 50 (bars, slices or stages shown)"),
    "stacked": (bool, None, "true or false (stack the series)"),
    "horizontal": (bool, None, "true or false (horizontal bars)"),
    "donut": (bool, None, "true or false (a pie with a hole)"),
    "forecast": (bool, None, "true or false (a line's forecast band)"),
    "max": ((int, float), lambda v: v > 0, "a positive number (a gauge's top)"),
    "note": (str, lambda v: len(v) <= 200, "text of at most 200 characters shown under the widget"),
}
PANEL_SHAPES = {  # panel -> (dimensions, time column)
    "compliance_score_by_framework": (1, "day"),
    "failing_checks_by_framework": (1, "day"),
    "pending_past_game_end": (1, None),
}


def _error(message: str, field_name: str) -> ApplicationError:
    return ApplicationError(message, code="invalid_widget", fields={field_name: [message]})


def _validation_tenant(dashboard: Dashboard) -> Tenant | None:
    """The tenant a query is checked for: the dashboard's, a stand-in for a template (the tenant scope's rules
    need no particular tenant), or None for the platform."""
    if dashboard.scope == DashboardScope.PLATFORM:
        return None
    return dashboard.tenant or Tenant(timezone="UTC")


def _text(value, key: str) -> str:
    if isinstance(value, list | tuple):
        value = ",".join(str(part) for part in value)
    if not isinstance(value, str):
        raise _error(_("%(key)s must be text (comma-separated names).") % {"key": key}, key)
    return value.strip()


def query_clean(raw, *, dashboard: Dashboard) -> tuple[dict[str, str], MetricQuery]:
    """The stored form of a widget's query (no dates: they come from the dashboard's range) and the query."""
    if not isinstance(raw, dict) or not raw:
        raise _error(
            _("A widget needs a query: metrics=…, and optionally group_by, grain, filter_<dimension>."), "query"
        )
    params = {}
    for key, value in raw.items():
        if key in ("from", "to"):
            raise _error(_("A widget's dates come from the dashboard's time range: leave out from and to."), key)
        if key not in QUERY_KEYS and not str(key).startswith(FILTER_PREFIX):
            allowed = ", ".join([*QUERY_KEYS, f"{FILTER_PREFIX}<dimension>"])
            raise _error(
                _("Unknown query parameter %(key)s: allowed are %(allowed)s.") % {"key": repr(key), "allowed": allowed},
                "query",
            )
        params[key] = _text(value, key)
    today = timezone.localdate().isoformat()  # any single day: the range limits of the grains are checked when drawn
    query = MetricQuery.parse({**params, "from": today, "to": today}, tenant=_validation_tenant(dashboard))
    stored = {key: value for key, value in query.as_params().items() if key not in ("from", "to")}
    return stored, query


def chart_check(chart_type: str, *, query: MetricQuery | None = None, panel: str = "") -> None:
    if query is not None:
        shape = {
            "dimensions": len(query.group_by),
            "time": query.grain,
            "measures": len(query.metrics),
            "additive": METRICS[query.metrics[0]].aggregation == "sum",
        }
    else:
        dimensions, time = PANEL_SHAPES[panel]
        shape = {"dimensions": dimensions, "time": time, "measures": 1, "additive": PANELS[panel].columns[0].additive}
    problem = chart_problem(chart_type, **shape)
    if problem:
        raise _error(problem, "chart_type")


def panel_check(panel: str, *, dashboard: Dashboard) -> None:
    found = panel_get(panel)
    if found is None:
        raise _error(
            _("Unknown panel %(panel)s: allowed are %(PANELS)s.") % {"panel": repr(panel), "PANELS": ", ".join(PANELS)},
            "panel",
        )
    if found.platform_only and dashboard.scope == DashboardScope.TENANT:
        raise _error(
            _("%(label)s is a platform figure: a tenant dashboard cannot show it.") % {"label": found.label}, "panel"
        )


def options_clean(raw, *, chart_type: str) -> dict:
    if raw in (None, ""):
        return {}
    if not isinstance(raw, dict):
        raise _error(_("Options are an object of name: value."), "options")
    for name, value in raw.items():
        if name not in OPTIONS:
            raise _error(
                _("Unknown option %(name)s: allowed are %(OPTIONS)s.")
                % {"name": repr(name), "OPTIONS": ", ".join(OPTIONS)},
                "options",
            )
        types, check, allowed = OPTIONS[name]
        wrong_type = not isinstance(value, types) or (isinstance(value, bool) and types is not bool)
        if wrong_type or (check is not None and not check(value)):
            raise _error(_("Option %(name)s must be %(allowed)s.") % {"name": name, "allowed": allowed}, "options")
    if raw.get("forecast") and chart_type != "line":
        raise _error(_("Only a line chart draws a forecast band."), "options")
    return dict(raw)


def box_check(*, x, y, w, h, widget_id=None) -> tuple[int, int, int, int]:
    """A box inside the 12-column grid (whole numbers; x + w at most 12, heights 1 to 12)."""
    values = {"x": x, "y": y, "w": w, "h": h}
    for name, value in values.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise _error(
                _("%(name)s must be a whole number of at least 0 (widget %(widget_id)s).")
                % {"name": name, "widget_id": widget_id or "new"},
                name,
            )
    if not 1 <= w <= GRID_COLUMNS or x + w > GRID_COLUMNS:
        raise _error(
            _("A widget is 1 to %(GRID_COLUMNS)s columns wide and ends by column %(GRID_COLUMNS)s.")
            % {"GRID_COLUMNS": GRID_COLUMNS},
            "w",
        )
    if not 1 <= h <= MAX_WIDGET_HEIGHT:
        raise _error(
            _("A widget is 1 to %(MAX_WIDGET_HEIGHT)s rows high.") % {"MAX_WIDGET_HEIGHT": MAX_WIDGET_HEIGHT}, "h"
        )
    if y > MAX_ROWS:
        raise _error(_("A widget sits in the first %(MAX_ROWS)s rows.") % {"MAX_ROWS": MAX_ROWS}, "y")
    return x, y, w, h


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


def overlap_check(boxes: dict[int, tuple[int, int, int, int]]) -> None:
    """No two widgets share a cell (gridstack never places them so; a hand-made request might)."""
    items = sorted(boxes.items())
    for index, (first_id, first) in enumerate(items):
        for second_id, second in items[index + 1 :]:
            if _overlap(first, second):
                raise _error(
                    _("Widgets %(first_id)s and %(second_id)s would overlap: move one of them.")
                    % {"first_id": first_id, "second_id": second_id},
                    "layout",
                )


def free_box(widgets: list[Widget], *, w: int, h: int) -> tuple[int, int]:
    """The first place (top to bottom, left to right) where a w×h box overlaps no widget."""
    taken = [(widget.x, widget.y, widget.w, widget.h) for widget in widgets]
    bottom = max((widget.y + widget.h for widget in widgets), default=0)
    for y in range(bottom + 1):
        for x in range(GRID_COLUMNS - w + 1):
            if not any(_overlap((x, y, w, h), box) for box in taken):
                return x, y
    return 0, bottom
