"""The shipped dashboards: executive, operational, technical, compliance, and a tenant overview (a template:
the viewer picks the tenant; guild owners' keys see it for their own tenant).

`ensure_default_dashboards()` creates the missing ones (post_migrate runs it after every migrate and test
flush); one that exists is left as superusers changed it. A shipped widget's query is checked like any other;
the technical dashboard names the telemetry metrics `api_latency_p95_ms`, `queue_depth` and `worker_memory_mb`
that the TELEMETRY part adds to the registry: until the registry has them, those widgets show the
"unknown metric" error in their box (widget_view) and the rest of the dashboard is drawn.
"""

import logging

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from apps.analytics.models import Dashboard, DashboardKind, DashboardScope, Widget
from apps.analytics.services.widgets import widget_content
from apps.audit.services import audit_record
from apps.core.actors import Actor
from apps.core.errors import ApplicationError

logger = logging.getLogger(__name__)

PER_MINUTE_NOTE = (
    "Placements per hour: the metric layer's finest grain is the hour, the nearest it has to placements per minute."
)


def _w(title, chart_type, box, *, panel="", options=None, **query) -> dict:
    return {"title": title, "chart_type": chart_type, "box": box, "panel": panel, "options": options or {},
            "query": query}  # fmt: skip


DEFAULTS = [
    {
        "key": "executive",
        "title": "Executive overview",
        "kind": DashboardKind.EXECUTIVE,
        "scope": DashboardScope.PLATFORM,
        "time_range": "30d",
        "description": "Handle, net units, active cappers, ROI and the leagues that move them, across all tenants.",
        "widgets": [
            _w("Handle", "kpi", (0, 0, 3, 2), metrics="stake_units", grain="none"),
            _w("Net units", "kpi", (3, 0, 3, 2), metrics="units_net", grain="none"),
            _w("Active cappers", "kpi", (6, 0, 3, 2), metrics="active_cappers", grain="none"),
            _w("Win rate", "gauge", (9, 0, 3, 2), metrics="win_rate", grain="none"),
            _w("ROI trend", "line", (0, 2, 6, 4), metrics="roi", grain="day"),
            _w("Handle and net units by day", "bar", (6, 2, 6, 4), metrics="stake_units,units_net", grain="day"),
            _w("Top leagues by net units", "bar", (0, 6, 6, 4), options={"top": 10, "horizontal": True},
               metrics="units_net", group_by="league", grain="none"),
            _w("Handle by market", "pie", (6, 6, 6, 4), metrics="stake_units", group_by="market", grain="none"),
        ],
    },
    {
        "key": "operational",
        "title": "Operations",
        "kind": DashboardKind.OPERATIONAL,
        "scope": DashboardScope.PLATFORM,
        "time_range": "7d",
        "refresh_seconds": 60,
        "description": "What grading has not caught up with, how fast bets arrive, and the API's errors.",
        "widgets": [
            _w("Pending past game end", "kpi", (0, 0, 3, 2), panel="pending_past_game_end"),
            _w("Pending bets", "kpi", (3, 0, 3, 2), metrics="pending_bets", grain="none"),
            _w("Grading lag (mean)", "kpi", (6, 0, 3, 2), metrics="grading_lag_seconds", grain="none"),
            _w("API error rate", "kpi", (9, 0, 3, 2), metrics="api_error_rate", grain="none"),
            _w("Pending past game end by tenant", "table", (0, 2, 4, 4), panel="pending_past_game_end"),
            _w("Grading lag by day", "line", (4, 2, 8, 4), metrics="grading_lag_seconds", grain="day"),
            _w("Placements per hour", "bar", (0, 6, 8, 4), options={"note": PER_MINUTE_NOTE},
               metrics="bets_placed", grain="hour"),
            _w("API error rate by day", "line", (8, 6, 4, 4), metrics="api_error_rate", grain="day"),
            _w("Placements: day × hour of day", "heatmap", (0, 10, 12, 4), metrics="bets_placed", grain="hour"),
        ],
    },
    {
        "key": "technical",
        "title": "Technical health",
        "kind": DashboardKind.TECHNICAL,
        "scope": DashboardScope.PLATFORM,
        "time_range": "7d",
        "refresh_seconds": 60,
        "description": "Cache, API latency per route, queue depth and worker memory (sampled by beat).",
        "widgets": [
            _w("Cache hit ratio", "gauge", (0, 0, 3, 3), metrics="cache_hit_ratio", grain="none"),
            _w("Cache hit ratio by hour", "line", (3, 0, 9, 3), metrics="cache_hit_ratio", grain="hour"),
            _w("API latency p95 per route", "bar", (0, 3, 6, 4), options={"top": 15, "horizontal": True},
               metrics="api_latency_p95_ms", group_by="route", grain="none"),
            _w("Queue depth", "line", (6, 3, 6, 4), metrics="queue_depth", grain="hour"),
            _w("Worker memory", "area", (0, 7, 6, 4), metrics="worker_memory_mb", grain="hour"),
            _w("API requests by day", "area", (6, 7, 6, 4), metrics="api_requests", grain="day"),
        ],
    },
    {
        "key": "compliance",
        "title": "Compliance trends",
        "kind": DashboardKind.COMPLIANCE,
        "scope": DashboardScope.PLATFORM,
        "time_range": "90d",
        "description": "Scores per framework, failing requirements over time, open data-subject requests.",
        "widgets": [
            _w("Compliance score", "gauge", (0, 0, 3, 3), metrics="compliance_score", grain="none"),
            _w("Data-subject requests open", "kpi", (3, 0, 3, 3), metrics="dsr_open", grain="none"),
            _w("Score by framework", "line", (6, 0, 6, 5), panel="compliance_score_by_framework"),
            _w("Failing requirements over time", "area", (0, 3, 6, 4), panel="failing_checks_by_framework"),
            _w("Failing requirements: framework × day", "heatmap", (6, 5, 6, 4),
               panel="failing_checks_by_framework"),
            _w("Data-subject requests open by day", "line", (0, 7, 6, 4), metrics="dsr_open", grain="day"),
        ],
    },
    {
        "key": "tenant-overview",
        "title": "Tenant overview",
        "kind": DashboardKind.EXECUTIVE,
        "scope": DashboardScope.TENANT,
        "time_range": "30d",
        "description": "One guild's handle, results, cappers and markets (pick the tenant).",
        "widgets": [
            _w("Handle", "kpi", (0, 0, 3, 2), metrics="stake_units", grain="none"),
            _w("Net units", "kpi", (3, 0, 3, 2), metrics="units_net", grain="none"),
            _w("ROI", "kpi", (6, 0, 3, 2), metrics="roi", grain="none"),
            _w("Active cappers", "kpi", (9, 0, 3, 2), metrics="active_cappers", grain="none"),
            _w("Net units by capper", "bar", (0, 2, 6, 4), options={"top": 10},
               metrics="units_net", group_by="capper", grain="none"),
            _w("Bets by market", "funnel", (6, 2, 6, 4), metrics="bets_placed", group_by="market", grain="none"),
            _w("Handle against ROI by capper", "scatter", (0, 6, 6, 4), metrics="stake_units,roi",
               group_by="capper", grain="none"),
            _w("Bets by league and day", "heatmap", (6, 6, 6, 4), metrics="bets_placed", group_by="league",
               grain="day"),
            _w("Net units by day", "line", (0, 10, 12, 4), options={"forecast": True}, metrics="units_net",
               grain="day"),
        ],
    },
]  # fmt: skip


def _shipped_widget(dashboard: Dashboard, definition: dict) -> Widget:
    x, y, w, h = definition["box"]
    try:
        content = widget_content(
            dashboard,
            chart_type=definition["chart_type"],
            query=definition["query"],
            panel=definition["panel"],
            options=definition["options"],
        )
    except ApplicationError as refused:
        # a metric of another part not in the registry yet: stored as written, drawn as an error box until it is
        logger.debug("shipped widget %r kept unchecked: %s", definition["title"], refused.message)
        content = {key: definition[key] for key in ("chart_type", "query", "panel", "options")}
    return Widget(dashboard=dashboard, title=definition["title"], x=x, y=y, w=w, h=h, **content)


@transaction.atomic
def ensure_default_dashboards(*, actor: Actor | None = None, audited: bool = True) -> list[Dashboard]:
    """Create the shipped dashboards that are missing (idempotent); the created ones are returned.

    `audited=False` after a migrate: rows installed with the schema (like the detection rules a data migration
    ships) are nobody's change, and an audit trail that starts with them would not be the people's trail."""
    actor = actor or Actor.system("analytics")
    created = []
    existing = set(Dashboard.objects.filter(key__in=[d["key"] for d in DEFAULTS]).values_list("key", flat=True))
    for definition in DEFAULTS:
        if definition["key"] in existing:
            continue
        settings = {k: v for k, v in definition.items() if k not in ("key", "widgets")}
        dashboard = Dashboard.objects.create(key=definition["key"], is_default=True, layout={"columns": 12}, **settings)
        Widget.objects.bulk_create(_shipped_widget(dashboard, widget) for widget in definition["widgets"])
        if audited:
            audit_record(actor=actor, action="analytics.dashboard_shipped", target=dashboard)
        created.append(dashboard)
    return created


def dashboards_ensure_after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    """post_migrate (and a test flush): the shipped dashboards exist once their table does."""
    if Dashboard._meta.db_table not in connections[using].introspection.table_names():
        return
    ensure_default_dashboards(audited=False)
