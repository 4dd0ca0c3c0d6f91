"""Changing widgets: add, change, remove, move, resize, and save a dashboard's whole layout at once.

A widget's query is checked by the metric layer when it is saved (a 400 names what is allowed); its chart type
must be able to draw the query's shape; its box must lie inside the grid and overlap no other widget.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.analytics.models import ChartType, Dashboard, Widget
from apps.analytics.services import widget_rules as rules
from apps.analytics.services.dashboards import dashboard_for_change, guild_of
from apps.audit.services import audit_record, field_changes
from apps.core.actors import Actor
from apps.core.errors import ApplicationError

SMALL = frozenset({ChartType.KPI, ChartType.GAUGE})
WIDGET_FIELDS = ("title", "chart_type", "query", "panel", "options")


def _title(raw) -> str:
    title = str(raw or "").strip()
    if not title or len(title) > 120:
        raise ApplicationError(
            _("A widget needs a title of 1 to 120 characters."), code="invalid_widget", fields={"title": [_("1-120")]}
        )
    return title


def widget_content(dashboard: Dashboard, *, chart_type: str, query, panel: str, options) -> dict:
    """The checked query (or panel), chart type and options of a widget."""
    if chart_type not in ChartType.values:
        allowed = ", ".join(ChartType.values)
        raise ApplicationError(
            _("Unknown chart type %(chart_type)s: allowed are %(allowed)s.")
            % {"chart_type": repr(chart_type), "allowed": allowed},
            code="invalid_widget",
            fields={"chart_type": [allowed]},
        )
    if panel:
        if query:
            raise ApplicationError(_("A widget shows a query or a panel, not both."), code="invalid_widget")
        rules.panel_check(panel, dashboard=dashboard)
        rules.chart_check(chart_type, panel=panel)
        stored = {}
    else:
        stored, checked = rules.query_clean(query, dashboard=dashboard)
        rules.chart_check(chart_type, query=checked)
    return {"chart_type": chart_type, "query": stored, "panel": panel or "", "options": rules.options_clean(
        options, chart_type=chart_type
    )}  # fmt: skip


def _boxes(dashboard: Dashboard, *, leaving_out: int | None = None) -> dict[int, tuple[int, int, int, int]]:
    widgets = dashboard.widgets.exclude(pk=leaving_out) if leaving_out else dashboard.widgets.all()
    return {widget.pk: (widget.x, widget.y, widget.w, widget.h) for widget in widgets}


def _audit(actor: Actor, action: str, widget: Widget, dashboard: Dashboard, changes: dict) -> None:
    audit_record(actor=actor, action=action, target=widget, guild_id=guild_of(dashboard), changes=changes)


@transaction.atomic
def widget_add(
    *,
    dashboard: Dashboard,
    editor,
    actor: Actor,
    title: str,
    chart_type: str,
    query: dict | None = None,
    panel: str = "",
    options: dict | None = None,
    box: tuple[int, int, int, int] | None = None,
) -> Widget:
    """Add a widget; without a box it goes in the first free place (KPIs and gauges 3×2, other charts 6×4)."""
    dashboard = dashboard_for_change(dashboard, editor)
    content = widget_content(dashboard, chart_type=chart_type, query=query or {}, panel=panel, options=options)
    others = list(dashboard.widgets.all())
    if box is None:
        w, h = (3, 2) if chart_type in SMALL else (6, 4)
        x, y = rules.free_box(others, w=w, h=h)
    else:
        x, y, w, h = rules.box_check(x=box[0], y=box[1], w=box[2], h=box[3])
    rules.overlap_check({**_boxes(dashboard), 0: (x, y, w, h)})
    widget = Widget.objects.create(dashboard=dashboard, title=_title(title), x=x, y=y, w=w, h=h, **content)
    _audit(actor, "analytics.widget_added", widget, dashboard, {"chart_type": {"before": None, "after": chart_type}})
    return widget


def _widget_locked(widget: Widget, editor) -> tuple[Widget, Dashboard]:
    dashboard = dashboard_for_change(widget.dashboard, editor)
    return Widget.objects.select_for_update().get(pk=widget.pk, dashboard=dashboard), dashboard


@transaction.atomic
def widget_update(*, widget: Widget, editor, actor: Actor, **values) -> Widget:
    """Change a widget's title, chart type, query (or panel) or options; the result is checked as a whole."""
    unknown = sorted(set(values) - set(WIDGET_FIELDS))
    if unknown:
        raise ApplicationError(_("Cannot change %(unknown)s.") % {"unknown": ", ".join(unknown)}, code="invalid_widget")
    widget, dashboard = _widget_locked(widget, editor)
    before = {name: getattr(widget, name) for name in WIDGET_FIELDS}
    merged = {**before, **values}
    if "query" in values and values["query"] and "panel" not in values:
        merged["panel"] = ""
    content = widget_content(
        dashboard, chart_type=merged["chart_type"], query=merged["query"], panel=merged["panel"],
        options=merged["options"],
    )  # fmt: skip
    after = {"title": _title(merged["title"]), **content}
    for name, value in after.items():
        setattr(widget, name, value)
    widget.save()
    _audit(actor, "analytics.widget_updated", widget, dashboard, field_changes(before, after))
    return widget


@transaction.atomic
def widget_remove(*, widget: Widget, editor, actor: Actor) -> None:
    widget, dashboard = _widget_locked(widget, editor)
    _audit(actor, "analytics.widget_removed", widget, dashboard, {"title": {"before": widget.title, "after": None}})
    widget.delete()


def _place(widget: Widget, editor, actor: Actor, action: str, **box) -> Widget:
    widget, dashboard = _widget_locked(widget, editor)
    before = {name: getattr(widget, name) for name in ("x", "y", "w", "h")}
    after = {**before, **box}
    after = dict(zip("xywh", rules.box_check(**after, widget_id=widget.pk), strict=True))
    rules.overlap_check({**_boxes(dashboard, leaving_out=widget.pk), widget.pk: tuple(after.values())})
    Widget.objects.filter(pk=widget.pk).update(**after)
    widget.refresh_from_db()
    _audit(actor, action, widget, dashboard, field_changes(before, after))
    return widget


@transaction.atomic
def widget_move(*, widget: Widget, editor, actor: Actor, x: int, y: int) -> Widget:
    return _place(widget, editor, actor, "analytics.widget_moved", x=x, y=y)


@transaction.atomic
def widget_resize(*, widget: Widget, editor, actor: Actor, w: int, h: int) -> Widget:
    return _place(widget, editor, actor, "analytics.widget_resized", w=w, h=h)


def _layout_items(dashboard: Dashboard, items) -> dict[int, tuple[int, int, int, int]]:
    if not isinstance(items, list) or not items:
        raise ApplicationError(_("A layout is a list of {id, x, y, w, h}, one per widget."), code="invalid_layout")
    boxes = {}
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("id"), int) or isinstance(item.get("id"), bool):
            raise ApplicationError(_("Each layout item needs a widget id (a number)."), code="invalid_layout")
        boxes[item["id"]] = rules.box_check(
            x=item.get("x"), y=item.get("y"), w=item.get("w"), h=item.get("h"), widget_id=item["id"]
        )
    current = set(dashboard.widgets.values_list("pk", flat=True))
    if set(boxes) != current or len(boxes) != len(items):
        strangers = sorted(set(boxes) - current)
        missing = sorted(current - set(boxes))
        raise ApplicationError(
            _(
                "The layout must place each widget of this dashboard once (unknown: %(strangers)s; "
                "missing: %(missing)s): reload the page and try again."
            )
            % {"strangers": strangers or "none", "missing": missing or "none"},
            code="invalid_layout",
        )
    rules.overlap_check(boxes)
    return boxes


@transaction.atomic
def dashboard_layout_save(*, dashboard: Dashboard, editor, actor: Actor, items) -> Dashboard:
    """Move and resize every widget at once (the grid's save); all or nothing."""
    dashboard = dashboard_for_change(dashboard, editor)
    boxes = _layout_items(dashboard, items)
    widgets = list(dashboard.widgets.all())
    changes = {}
    for widget in widgets:
        box = boxes[widget.pk]
        if (widget.x, widget.y, widget.w, widget.h) != box:
            changes[str(widget.pk)] = {"before": [widget.x, widget.y, widget.w, widget.h], "after": list(box)}
            widget.x, widget.y, widget.w, widget.h = box
            widget.updated_at = timezone.now()
    Widget.objects.bulk_update(widgets, ["x", "y", "w", "h", "updated_at"])
    dashboard.save(update_fields=["updated_at"])
    audit_record(
        actor=actor, action="analytics.layout_saved", target=dashboard, guild_id=guild_of(dashboard), changes=changes
    )
    return dashboard
