"""Which widgets a change touches: the live updates of open dashboards (apps/portal/analytics_live.py) name the
metrics and panels a domain change may move; this finds the widgets of a dashboard that show any of them."""

from apps.analytics.metrics import METRICS
from apps.analytics.models import Widget
from apps.analytics.selectors.widgets import widget_metric_names

# a bet placed, settled, voided or imported, or a game final: every betting metric and the pending panel
BETTING_METRICS = tuple(sorted(name for name, metric in METRICS.items() if metric.source == "bets"))
BETTING_PANELS = ("pending_past_game_end",)


def betting_change() -> dict[str, list[str]]:
    return {"metrics": list(BETTING_METRICS), "panels": list(BETTING_PANELS)}


def widgets_changed(*, dashboard_id: int, metrics: set[str], panels: set[str]) -> list[int]:
    """Ids of the dashboard's widgets that show one of `metrics` or `panels` (one query)."""
    widgets = Widget.objects.filter(dashboard_id=dashboard_id).only("pk", "query", "panel").order_by("pk")
    return [
        widget.pk
        for widget in widgets
        if (widget.panel and widget.panel in panels) or (widget_metric_names(widget) & metrics)
    ]
