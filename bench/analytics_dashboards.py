"""(d) of `make bench-analytics`: the shipped dashboards rendered server-side over the bench database.

Each shipped dashboard (executive: the 8-widget default of issue 14; operations, technical, compliance, and
the tenant overview shown for the busiest tenant) is fetched through the whole Django stack — session,
second factor, every widget's query and figure, the template — by a signed-in test client, once to warm
up and then BENCH_DASHBOARD_RENDERS times: as a security analyst (who views it), and the executive one
also as a superuser (who may edit a shipped dashboard: the page then carries the edit forms too).
Nothing is cached between renders: a widget's metric query is
run by the metric engine at each render (the rollups answering the betting metrics). Then each widget is
drawn alone (`widget_view`, BENCH_WIDGET_RUNS times) to show where a render's time goes, with where its
numbers came from (rollup, raw, samples, events, or a panel's own query).
"""

import os
import time
from dataclasses import dataclass, field

RENDERS = int(os.environ.get("BENCH_DASHBOARD_RENDERS", "10"))
WIDGET_RUNS = int(os.environ.get("BENCH_WIDGET_RUNS", "3"))
TARGET_MS = 500


@dataclass
class DashboardTimes:
    key: str
    name: str
    viewer: str
    widgets: int
    renders: list[float]  # milliseconds per server-side render (status 200 checked)
    per_widget: list[tuple[str, float]] = field(default_factory=list)  # (widget, mean ms drawn alone)


def _origin(widget, tenant, date_range) -> str:
    """Where a widget's figures come from (not timed)."""
    from apps.analytics.query import run_query
    from apps.analytics.selectors.widgets import widget_query

    if widget.panel:
        return f"panel {widget.panel}"
    try:
        query, _ = widget_query(widget=widget, tenant=tenant, date_range=date_range)
    except Exception as refused:  # noqa: BLE001 - shown as the widget's error on the page
        return f"error: {refused}"
    result = run_query(query)
    return result.source + (" (stale)" if result.stale else "")


def _per_widget(dashboard, tenant) -> list[tuple[str, float]]:
    from apps.analytics.selectors.dashboards import dashboard_range, dashboard_widgets
    from apps.analytics.selectors.widgets import widget_view

    date_range = dashboard_range(dashboard=dashboard, tenant=tenant, params={})
    shares = []
    for widget in dashboard_widgets(dashboard=dashboard):
        started = time.perf_counter()
        for _ in range(WIDGET_RUNS):
            view = widget_view(widget=widget, tenant=tenant, date_range=date_range)
        milliseconds = (time.perf_counter() - started) * 1000 / WIDGET_RUNS
        error = f"; ERROR {view.error}" if view.error else ""
        label = f"{widget.title} ({widget.chart_type}, {_origin(widget, tenant, date_range)}{error})"
        shares.append((label, milliseconds))
    return shares


def dashboard_render_times(tenant) -> list[DashboardTimes]:
    """Every shipped dashboard rendered RENDERS times by an analyst, the executive one also by a superuser
    (the tenant overview for `tenant`)."""
    from apps.accounts.choices import StaffRole
    from apps.accounts.roles import ROLE_GROUP_NAMES
    from apps.analytics.models import Dashboard
    from bench.portal_client import signed_in_client

    analyst = signed_in_client("bench.analyst", role_group=ROLE_GROUP_NAMES[StaffRole.SECURITY_ANALYST])
    figures = []
    for dashboard in Dashboard.objects.filter(is_default=True).order_by("pk"):
        figures.append(_renders(analyst, "an analyst", dashboard, tenant))
        if dashboard.key == "executive":
            figures.append(_renders(signed_in_client(), "a superuser", dashboard, tenant, per_widget=False))
    return figures


def _renders(client, viewer: str, dashboard, tenant, *, per_widget: bool = True) -> DashboardTimes:
    from apps.analytics.models import DashboardScope

    shown = tenant if dashboard.scope == DashboardScope.TENANT else None
    path = f"/portal/analytics/{dashboard.pk}/" + (f"?tenant={tenant.guild_id}" if shown else "")
    name = f"{dashboard.key} ({dashboard.time_range}" + (f", {tenant.name})" if shown else ", platform)")
    assert client.get(path).status_code == 200, path  # warm: the connection, templates, imports
    renders = []
    for _ in range(RENDERS):
        started = time.perf_counter()
        response = client.get(path)
        renders.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    shares = _per_widget(dashboard, shown) if per_widget else []
    return DashboardTimes(dashboard.key, name, viewer, dashboard.widgets.count(), renders, shares)
