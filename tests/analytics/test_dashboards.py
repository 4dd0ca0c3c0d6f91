"""Dashboard and widget services: who may change what, what a widget may hold, layouts, the shipped dashboards.

A refused change is a 4xx naming what is wrong and leaves the rows and the audit trail as they were."""

import pytest

from apps.accounts.choices import StaffRole
from apps.analytics.metrics import METRICS
from apps.analytics.models import Dashboard, Widget
from apps.analytics.selectors.dashboards import dashboard_list_for_tenant
from apps.analytics.services.dashboard_defaults import DEFAULTS, ensure_default_dashboards
from apps.analytics.services.dashboards import dashboard_copy, dashboard_create, dashboard_delete, dashboard_update
from apps.analytics.services.widgets import (
    dashboard_layout_save,
    widget_add,
    widget_move,
    widget_remove,
    widget_resize,
    widget_update,
)
from apps.audit.models import AuditEvent
from apps.core.errors import ApplicationError, PermissionDeniedError

pytestmark = pytest.mark.django_db

TELEMETRY_METRICS = {"api_latency_p95_ms", "queue_depth", "worker_memory_mb"}


@pytest.fixture
def officer(staff_user):
    return staff_user(StaffRole.COMPLIANCE_OFFICER, username="dash-officer")


@pytest.fixture
def analyst(staff_user):
    return staff_user(StaffRole.SECURITY_ANALYST, username="dash-analyst")


@pytest.fixture
def board(officer, actor):
    return dashboard_create(owner=officer, actor=actor, title="Mine")


def _snapshot(dashboard):
    """Everything a refused change must leave as it was."""
    return (
        list(Dashboard.objects.filter(pk=dashboard.pk).values()),
        list(Widget.objects.filter(dashboard=dashboard).order_by("pk").values()),
        AuditEvent.objects.count(),
    )


def _add(board, officer, actor, **kwargs):
    arguments = {"title": "Net units", "chart_type": "line", "query": {"metrics": "units_net", "grain": "day"}}
    return widget_add(dashboard=board, editor=officer, actor=actor, **{**arguments, **kwargs})


def test_creating_a_dashboard_and_a_widget_writes_audit_events(board, officer, actor):
    widget = _add(board, officer, actor, query={"metrics": ["units_net", "roi"], "group_by": "league", "grain": "week"})

    assert widget.query == {"metrics": "units_net,roi", "group_by": "league", "grain": "week"}
    assert (widget.x, widget.y, widget.w, widget.h) == (0, 0, 6, 4)
    events = AuditEvent.objects.filter(action__in=["analytics.dashboard_created", "analytics.widget_added"])
    assert list(events.order_by("pk").values_list("action", "target_id")) == [
        ("analytics.dashboard_created", str(board.pk)),
        ("analytics.widget_added", str(widget.pk)),
    ]


def test_a_new_widget_goes_in_the_first_free_place(board, officer, actor):
    first = _add(board, officer, actor)
    second = _add(
        board, officer, actor, title="Handle", chart_type="kpi", query={"metrics": "stake_units", "grain": "none"}
    )

    assert (first.x, first.y) == (0, 0)
    assert (second.x, second.y, second.w, second.h) == (6, 0, 3, 2)


@pytest.mark.parametrize(
    ("query", "chart_type", "message"),
    [
        ({"metrics": "units_net,bogus"}, "line", "Unknown metric bogus: allowed are"),
        ({"metrics": "roi", "from": "2026-01-01"}, "line", "leave out from and to"),
        ({"metrics": "roi", "colour": "red"}, "line", "Unknown query parameter 'colour'"),
        ({"metrics": "parlay_share", "group_by": "bet_type"}, "bar", "cannot be split by bet_type"),
        ({"metrics": "roi", "grain": "none"}, "line", "draws over time"),
        ({"metrics": "roi", "grain": "day"}, "kpi", "one number"),
        ({}, "line", "needs a query"),
    ],
)
def test_a_widget_the_metric_layer_or_its_chart_refuses_is_not_added(board, officer, actor, query, chart_type, message):
    before = _snapshot(board)

    with pytest.raises(ApplicationError) as refused:
        _add(board, officer, actor, chart_type=chart_type, query=query)

    assert refused.value.status_code == 400 and message in refused.value.message
    assert _snapshot(board) == before


@pytest.mark.parametrize(
    ("options", "message"),
    [({"top": 0}, "top must be"), ({"colour": "red"}, "Unknown option"), ({"forecast": True, "top": 3}, None)],
)
def test_options_are_checked(board, officer, actor, options, message):
    if message is None:
        assert _add(board, officer, actor, options=options).options == options
        return
    with pytest.raises(ApplicationError, match=message):
        _add(board, officer, actor, options=options)


def test_a_tenant_dashboard_refuses_platform_figures(officer, actor, tenant):
    board = dashboard_create(owner=officer, actor=actor, title="Guild", scope="tenant", tenant=tenant)

    with pytest.raises(ApplicationError, match="Unknown metric compliance_score"):
        _add(board, officer, actor, chart_type="gauge", query={"metrics": "compliance_score", "grain": "none"})
    with pytest.raises(ApplicationError, match="group_by=tenant is only for platform-wide"):
        _add(
            board,
            officer,
            actor,
            chart_type="bar",
            query={"metrics": "units_net", "group_by": "tenant", "grain": "none"},
        )
    with pytest.raises(ApplicationError, match="platform figure"):
        _add(board, officer, actor, chart_type="line", query={}, panel="compliance_score_by_framework")
    assert board.widgets.count() == 0


def test_a_platform_dashboard_has_no_tenant(officer, actor, tenant):
    with pytest.raises(ApplicationError, match="leave the tenant empty"):
        dashboard_create(owner=officer, actor=actor, title="x", scope="platform", tenant=tenant)


def test_nobody_changes_another_users_custom_dashboard(board, officer, analyst, staff_user, actor):
    widget = _add(board, officer, actor)
    root = staff_user(StaffRole.SUPERUSER, username="dash-root")
    before = _snapshot(board)

    for editor in (analyst, root):
        for change in (
            lambda e: dashboard_update(dashboard=board, editor=e, actor=actor, title="Taken"),
            lambda e: dashboard_delete(dashboard=board, editor=e, actor=actor),
            lambda e: _add(board, e, actor),
            lambda e: widget_update(widget=widget, editor=e, actor=actor, title="Taken"),
            lambda e: widget_move(widget=widget, editor=e, actor=actor, x=6, y=0),
            lambda e: widget_resize(widget=widget, editor=e, actor=actor, w=3, h=3),
            lambda e: widget_remove(widget=widget, editor=e, actor=actor),
            lambda e: dashboard_layout_save(dashboard=board, editor=e, actor=actor, items=[
                {"id": widget.pk, "x": 0, "y": 5, "w": 2, "h": 2}]),
        ):  # fmt: skip
            with pytest.raises(PermissionDeniedError) as refused:
                change(editor)
            assert refused.value.status_code == 403

    assert _snapshot(board) == before


def test_only_superusers_change_a_shipped_dashboard_and_anyone_may_copy_it(officer, staff_user, actor):
    executive = Dashboard.objects.get(key="executive")
    root = staff_user(StaffRole.SUPERUSER, username="dash-root2")

    with pytest.raises(PermissionDeniedError, match="Only superusers"):
        dashboard_update(dashboard=executive, editor=officer, actor=actor, title="Mine now")
    dashboard_update(dashboard=executive, editor=root, actor=actor, refresh_seconds=30)
    with pytest.raises(ApplicationError, match="not deleted"):
        dashboard_delete(dashboard=executive, editor=root, actor=actor)

    copy = dashboard_copy(dashboard=executive, owner=officer, actor=actor)

    assert copy.owner == officer and copy.kind == "custom" and not copy.is_default
    assert list(copy.widgets.values_list("title", "x", "y", "w", "h", "query")) == list(
        executive.widgets.values_list("title", "x", "y", "w", "h", "query")
    )
    dashboard_update(dashboard=copy, editor=officer, actor=actor, title="My executive view")
    executive.refresh_from_db()
    assert executive.title == "Executive overview" and executive.refresh_seconds == 30


def test_a_layout_is_saved_whole_and_read_back(board, officer, actor):
    first = _add(board, officer, actor)
    second = _add(
        board, officer, actor, title="Handle", chart_type="kpi", query={"metrics": "stake_units", "grain": "none"}
    )
    items = [{"id": first.pk, "x": 4, "y": 2, "w": 8, "h": 5}, {"id": second.pk, "x": 0, "y": 0, "w": 4, "h": 2}]

    dashboard_layout_save(dashboard=board, editor=officer, actor=actor, items=items)

    saved = [{"id": w.pk, "x": w.x, "y": w.y, "w": w.w, "h": w.h} for w in board.widgets.order_by("pk")]
    assert saved == items
    event = AuditEvent.objects.filter(action="analytics.layout_saved").latest("pk")
    assert event.changes[str(first.pk)] == {"before": [0, 0, 6, 4], "after": [4, 2, 8, 5]}


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ("all", "overlap"),
        ("missing", "missing"),
        ("stranger", "unknown"),
        ([{"id": 1, "x": 10, "y": 0, "w": 4, "h": 2}], "ends by column 12"),
        ([{"id": 1, "x": 0, "y": 0, "w": 4, "h": 13}], "1 to 12 rows"),
        ([{"id": 1, "x": -1, "y": 0, "w": 4, "h": 2}], "at least 0"),
        ([{"id": "1", "x": 0, "y": 0, "w": 4, "h": 2}], "widget id"),
        ({"id": 1}, "a list of"),
    ],
)
def test_a_bad_layout_is_refused_whole(board, officer, actor, items, message):
    first = _add(board, officer, actor)
    second = _add(board, officer, actor, title="Other")
    box = {"x": 0, "y": 0, "w": 6, "h": 4}
    items = {
        "all": [{"id": first.pk, **box}, {"id": second.pk, **box}],
        "missing": [{"id": first.pk, **box}],
        "stranger": [{"id": first.pk, **box}, {"id": second.pk, "x": 6, "y": 0, "w": 6, "h": 4},
                     {"id": 999999, "x": 0, "y": 9, "w": 1, "h": 1}],
    }.get(items, items) if isinstance(items, str) else items  # fmt: skip
    before = _snapshot(board)

    with pytest.raises(ApplicationError, match=message):
        dashboard_layout_save(dashboard=board, editor=officer, actor=actor, items=items)

    assert _snapshot(board) == before


def test_moving_onto_another_widget_is_refused(board, officer, actor):
    first = _add(board, officer, actor)
    _add(board, officer, actor, title="Other")  # at x=6

    with pytest.raises(ApplicationError, match="overlap"):
        widget_move(widget=first, editor=officer, actor=actor, x=4, y=0)
    moved = widget_resize(widget=first, editor=officer, actor=actor, w=5, h=2)

    assert (moved.w, moved.h) == (5, 2)


def test_changing_a_widget_rechecks_it_as_a_whole(board, officer, actor):
    widget = _add(board, officer, actor)

    with pytest.raises(ApplicationError, match="set the grain to none"):
        widget_update(widget=widget, editor=officer, actor=actor, chart_type="pie")
    changed = widget_update(
        widget=widget,
        editor=officer,
        actor=actor,
        chart_type="pie",
        query={"metrics": "stake_units", "group_by": "market", "grain": "none"},
    )

    assert changed.chart_type == "pie" and changed.query["group_by"] == "market"


def test_the_shipped_dashboards_exist_once_and_are_valid_but_for_the_telemetry_metrics(officer, actor):
    assert ensure_default_dashboards() == []  # post_migrate made them
    shipped = {dashboard.key: dashboard for dashboard in Dashboard.objects.filter(is_default=True)}
    assert set(shipped) == {definition["key"] for definition in DEFAULTS}
    assert shipped["executive"].widgets.count() == 8
    assert shipped["tenant-overview"].is_template
    drawn_types = set(Widget.objects.filter(dashboard__is_default=True).values_list("chart_type", flat=True))
    assert drawn_types == {"line", "bar", "pie", "scatter", "area", "heatmap", "gauge", "table", "kpi", "funnel"}

    # every shipped widget passes the checks a user's widget passes, but those naming metrics not yet registered
    for dashboard in shipped.values():
        copy = dashboard_create(owner=officer, actor=actor, title="check", scope=dashboard.scope)
        for widget in dashboard.widgets.all():
            names = set((widget.query.get("metrics") or "").split(","))
            arguments = {"title": widget.title, "chart_type": widget.chart_type, "query": widget.query,
                         "panel": widget.panel, "options": widget.options}  # fmt: skip
            if names & TELEMETRY_METRICS and not names <= set(METRICS):
                with pytest.raises(ApplicationError, match="Unknown metric"):
                    widget_add(dashboard=copy, editor=officer, actor=actor, **arguments)
            else:
                widget_add(dashboard=copy, editor=officer, actor=actor, **arguments)


def test_a_deleted_shipped_dashboard_comes_back(staff_user, actor):
    Dashboard.objects.filter(key="operational").delete()

    (created,) = ensure_default_dashboards()

    assert created.key == "operational" and created.widgets.count() == len(DEFAULTS[1]["widgets"])
    assert ensure_default_dashboards() == []


def test_a_tenant_sees_its_own_tenant_dashboards_and_the_templates_only(officer, actor, tenant, other_tenant):
    own = dashboard_create(owner=officer, actor=actor, title="Own", scope="tenant", tenant=tenant)
    dashboard_create(owner=officer, actor=actor, title="Theirs", scope="tenant", tenant=other_tenant)
    dashboard_create(owner=officer, actor=actor, title="Platform")

    titles = [dashboard.title for dashboard in dashboard_list_for_tenant(tenant=tenant)]

    assert titles == ["Tenant overview", own.title]
