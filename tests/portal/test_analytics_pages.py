"""The analytics pages: the dashboard list, a dashboard drawn server-side (every widget a JSON figure, or the
error in its box), the time-range picker, the drill-down to the bets behind a point, editing (add a widget, save
the layout) with CSRF and the owner rule. Bad input is a 4xx that says what is wrong and writes nothing."""

import json
import re
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.choices import StaffRole
from apps.analytics.metrics import METRICS
from apps.analytics.models import Dashboard, Widget
from apps.analytics.services.dashboards import dashboard_create
from apps.analytics.services.widgets import widget_add
from apps.audit.models import AuditEvent
from tests.analytics.world import build_world
from tests.second_factor import verified_client

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)
LIST_BUDGET = 12


@pytest.fixture
def world(tenant, actor):
    return build_world(tenant=tenant, actor=actor, suffix="1")


@pytest.fixture
def other_world(other_tenant, actor):
    return build_world(tenant=other_tenant, actor=actor, suffix="2")


def _url(name: str, **kwargs) -> str:
    params = kwargs.pop("params", None)
    url = reverse(f"portal:{name}", kwargs=kwargs)
    return f"{url}?{urlencode(params)}" if params else url


def _shipped(key: str) -> Dashboard:
    return Dashboard.objects.get(key=key)


def _widget(dashboard: Dashboard, title: str) -> Widget:
    return dashboard.widgets.get(title=title)


def _figures(html: str) -> dict[str, dict]:
    return {
        match.group(1): json.loads(match.group(2))
        for match in re.finditer(r'<script id="(widget-figure-\d+)" type="application/json">(.*?)</script>', html, re.S)
    }


def test_the_list_shows_the_shipped_dashboards_in_a_fixed_number_of_queries(officer_client, officer, actor):
    response = officer_client.get(_url("analytics_dashboards"))

    assert response.status_code == 200
    html = response.content.decode()
    for title in ("Executive overview", "Operations", "Technical health", "Compliance trends", "Tenant overview"):
        assert title in html
    assert 'href="/portal/analytics/"' in html  # in the navigation

    with CaptureQueriesContext(connection) as few:
        officer_client.get(_url("analytics_dashboards"))
    for number in range(5):
        dashboard_create(owner=officer, actor=actor, title=f"Mine {number}")
    with CaptureQueriesContext(connection) as many:
        officer_client.get(_url("analytics_dashboards"))
    assert len(many) == len(few) <= LIST_BUDGET


def test_the_executive_dashboard_draws_its_eight_widgets_as_json_figures(officer_client, world):
    executive = _shipped("executive")

    response = officer_client.get(_url("analytics_dashboard", dashboard_id=executive.pk))

    assert response.status_code == 200
    html = response.content.decode()
    figures = _figures(html)
    assert len(figures) == 8 == executive.widgets.count()
    handle = figures[f"widget-figure-{_widget(executive, 'Handle').pk}"]["data"][0]
    assert handle["type"] == "indicator" and handle["value"] == 8.5  # the world's stakes: 2 + 1 + 1 + 0.5 + 1 + 3
    leagues = figures[f"widget-figure-{_widget(executive, 'Top leagues by net units').pk}"]["data"][0]
    assert leagues["orientation"] == "h" and set(leagues["y"]) == {"NBA", "NHL", "(none)"}
    assert "data-widget-error" not in html
    assert INLINE_SCRIPT.findall(html) == []
    assert "vendor/gridstack/gridstack-all.js" in html and "vendor/plotly.min.js" in html


def test_a_widget_whose_metric_was_removed_shows_an_error_in_its_box(officer_client, world, monkeypatch):
    executive = _shipped("executive")
    monkeypatch.delitem(METRICS, "units_net")

    response = officer_client.get(_url("analytics_dashboard", dashboard_id=executive.pk))

    assert response.status_code == 200
    html = response.content.decode()
    net = _widget(executive, "Net units")
    box = html.split(f'data-widget="{net.pk}"', 1)[1].split('class="grid-stack-item"', 1)[0]
    assert "Metric not available: units_net is not in the metric registry" in box
    assert f"widget-figure-{net.pk}" not in _figures(html)
    assert len(_figures(html)) == 8 - 3  # net units, the two-metric bars and the top leagues show the error
    fragment = officer_client.get(_url("analytics_widget", dashboard_id=executive.pk, widget_id=net.pk))
    assert fragment.status_code == 200 and b"Metric not available" in fragment.content


def test_the_technical_dashboard_shows_metrics_the_registry_lacks_as_errors_not_a_broken_page(officer_client):
    technical = _shipped("technical")

    response = officer_client.get(_url("analytics_dashboard", dashboard_id=technical.pk))

    assert response.status_code == 200
    missing = {name for name in ("api_latency_p95_ms", "queue_depth", "worker_memory_mb") if name not in METRICS}
    assert response.content.decode().count("Metric not available") == len(missing)


@pytest.mark.parametrize(
    ("params", "shown"),
    [({"range": "7d"}, 7), ({"range": "90d"}, 90), ({"range": "custom", "from": "2026-11-01", "to": "2026-11-10"}, 10),
     ({"from": "2026-02-01", "to": "2026-02-28"}, 28)],
)  # fmt: skip
def test_the_time_range_picker_reruns_the_queries(officer_client, params, shown):
    executive = _shipped("executive")

    response = officer_client.get(_url("analytics_dashboard", dashboard_id=executive.pk, params=params))

    assert response.status_code == 200
    trend = _figures(response.content.decode())[f"widget-figure-{_widget(executive, 'ROI trend').pk}"]
    assert len(trend["data"][0]["x"]) == shown
    if "from" in params:
        assert trend["data"][0]["x"][0] == params["from"] and trend["data"][0]["x"][-1] == params["to"]


@pytest.mark.parametrize(
    ("params", "message"),
    [({"range": "13d"}, "Unknown range &#x27;13d&#x27;: allowed are 1d, 7d, 30d, 90d, 365d, custom"),
     ({"from": "2026-13-01"}, "is not a date: use YYYY-MM-DD"),
     ({"from": "2026-11-10", "to": "2026-11-01"}, "is after to"),
     ({"from": "2020-01-01", "to": "2026-01-01"}, "at most 400 days")],
)  # fmt: skip
def test_a_bad_range_is_a_400_that_says_what_is_allowed(officer_client, params, message):
    executive = _shipped("executive")

    response = officer_client.get(_url("analytics_dashboard", dashboard_id=executive.pk, params=params))

    assert response.status_code == 400
    assert message in response.content.decode()
    widget = _widget(executive, "Handle")
    fragment = officer_client.get(
        _url("analytics_widget", dashboard_id=executive.pk, widget_id=widget.pk, params=params)
    )
    assert fragment.status_code == 400


def test_a_tenant_template_asks_which_tenant_and_shows_only_that_tenants_figures(
    officer_client, world, other_world, tenant
):
    overview = _shipped("tenant-overview")

    asked = officer_client.get(_url("analytics_dashboard", dashboard_id=overview.pk))
    shown = officer_client.get(
        _url("analytics_dashboard", dashboard_id=overview.pk, params={"tenant": tenant.guild_id})
    )
    unknown = officer_client.get(_url("analytics_dashboard", dashboard_id=overview.pk, params={"tenant": "9" * 18}))

    assert asked.status_code == 200 and b"Which tenant?" in asked.content and not _figures(asked.content.decode())
    assert unknown.status_code == 404
    handle = _figures(shown.content.decode())[f"widget-figure-{_widget(overview, 'Handle').pk}"]["data"][0]
    assert handle["value"] == 8.5  # one world's stakes, not both tenants'
    assert f'data-ws-path="/ws/portal/analytics/{overview.pk}/?tenant={tenant.guild_id}"' in shown.content.decode()


def _drill(client, dashboard, widget, **params):
    return client.get(_url("analytics_drill", dashboard_id=dashboard.pk, widget_id=widget.pk, params=params))


def _drilled_bets(response) -> list[str]:
    return re.findall(r'<tr data-bet="\d+">\s*<th scope="row">(\w+)</th>', response.content.decode())


def test_drilling_into_a_capper_bar_lists_that_cappers_bets_of_that_tenant_only(
    officer_client, world, other_world, tenant
):
    overview = _shipped("tenant-overview")
    bars = _widget(overview, "Net units by capper")

    response = _drill(officer_client, overview, bars, tenant=tenant.guild_id, filter_capper=world.joe.pk)

    assert response.status_code == 200
    assert sorted(_drilled_bets(response)) == ["11001", "11002", "11006"]  # joe's bets in this tenant (one void)


def test_drilling_into_a_bucket_and_a_league_lists_the_bets_placed_then_on_that_league(
    officer_client, officer, actor, world, other_world
):
    board = dashboard_create(owner=officer, actor=actor, title="Leagues by day")
    widget = widget_add(dashboard=board, editor=officer, actor=actor, title="By league", chart_type="bar",
                        query={"metrics": "bets_placed", "group_by": "league", "grain": "day"})  # fmt: skip
    day = world.day.date().isoformat()

    nba = _drill(officer_client, board, widget, bucket=day, filter_league="nba")
    manual = _drill(officer_client, board, widget, bucket=day, filter_league="")
    before = _drill(officer_client, board, widget, bucket="2026-01-05", filter_league="nba")

    # a bet's league is its first leg's: the parlay (first leg NBA) is an NBA bet; both tenants on the platform
    assert sorted(_drilled_bets(nba)) == ["11001", "11003", "11004", "21001", "21003", "21004"]
    assert sorted(_drilled_bets(manual)) == ["11005", "21005"]  # the prop on no listed game
    assert _drilled_bets(before) == []
    chart = _figures(officer_client.get(_url("analytics_dashboard", dashboard_id=board.pk)).content.decode())
    (nba_trace,) = [trace for trace in chart[f"widget-figure-{widget.pk}"]["data"] if trace["name"] == "NBA"]
    assert nba_trace["y"][nba_trace["x"].index(day)] == 6  # the bar the rows are behind


@pytest.mark.parametrize(
    ("params", "message"),
    [({"bucket": "yesterday"}, "is not a day bucket"), ({"filter_colour": "red"}, "Cannot narrow by"),
     ({"filter_capper": "joe"}, "is not a capper id")],
)  # fmt: skip
def test_a_drill_that_does_not_fit_the_widget_is_a_400(officer_client, officer, actor, params, message):
    board = dashboard_create(owner=officer, actor=actor, title="d")
    widget = widget_add(dashboard=board, editor=officer, actor=actor, title="w", chart_type="line",
                        query={"metrics": "units_net", "grain": "day"})  # fmt: skip

    response = _drill(officer_client, board, widget, **params)

    assert response.status_code == 400 and message in response.content.decode()


def test_an_officer_adds_a_widget_through_the_form(officer_client, officer, actor):
    board = dashboard_create(owner=officer, actor=actor, title="Mine")
    form = {"widget-title": "Handle by sport", "widget-chart_type": "pie", "widget-metrics": ["stake_units"],
            "widget-group_by": ["sport"], "widget-grain": "none", "widget-top": "5"}  # fmt: skip

    refused = officer_client.post(_url("analytics_widget_add", dashboard_id=board.pk), {**form, "widget-grain": "day"})
    added = officer_client.post(_url("analytics_widget_add", dashboard_id=board.pk), form)

    assert refused.status_code == 400 and "A pie shows one period: set the grain to none." in refused.content.decode()
    assert added.status_code == 302
    (widget,) = board.widgets.all()
    assert (widget.title, widget.chart_type, widget.options) == ("Handle by sport", "pie", {"top": 5})
    assert widget.query == {"metrics": "stake_units", "grain": "none", "group_by": "sport"}


def test_the_layout_is_saved_with_csrf_and_read_back(officer, actor):
    board = dashboard_create(owner=officer, actor=actor, title="Mine")
    first = widget_add(dashboard=board, editor=officer, actor=actor, title="a", chart_type="kpi",
                       query={"metrics": "stake_units", "grain": "none"})  # fmt: skip
    second = widget_add(dashboard=board, editor=officer, actor=actor, title="b", chart_type="line",
                        query={"metrics": "roi"})  # fmt: skip
    client = verified_client(officer, Client(enforce_csrf_checks=True))
    page = client.get(_url("analytics_dashboard", dashboard_id=board.pk))
    token = re.search(r'data-csrf-token="([^"]+)"', page.content.decode()).group(1)
    items = [{"id": first.pk, "x": 9, "y": 0, "w": 3, "h": 3}, {"id": second.pk, "x": 0, "y": 0, "w": 9, "h": 5}]
    body = json.dumps({"items": items})
    url = _url("analytics_layout_save", dashboard_id=board.pk)

    without_token = client.post(url, body, content_type="application/json")
    bad = client.post(url, json.dumps({"items": items[:1]}), content_type="application/json", HTTP_X_CSRFTOKEN=token)
    not_json = client.post(url, "{", content_type="application/json", HTTP_X_CSRFTOKEN=token)
    saved = client.post(url, body, content_type="application/json", HTTP_X_CSRFTOKEN=token)

    assert without_token.status_code == 403
    assert bad.status_code == 400 and "missing" in bad.json()["message"]
    assert not_json.status_code == 400
    assert saved.status_code == 200 and saved.json()["items"] == items
    html = client.get(_url("analytics_dashboard", dashboard_id=board.pk)).content.decode()
    assert f'gs-id="{first.pk}" gs-x="9" gs-y="0" gs-w="3" gs-h="3"' in html
    assert f'gs-id="{second.pk}" gs-x="0" gs-y="0" gs-w="9" gs-h="5"' in html


def test_another_users_dashboard_is_read_only_for_them(officer, actor, portal_user):
    board = dashboard_create(owner=officer, actor=actor, title="Officer's")
    widget = widget_add(dashboard=board, editor=officer, actor=actor, title="a", chart_type="line",
                        query={"metrics": "roi"})  # fmt: skip
    analyst = verified_client(portal_user(StaffRole.SECURITY_ANALYST, username="other-analyst"))
    events = AuditEvent.objects.count()

    page = analyst.get(_url("analytics_dashboard", dashboard_id=board.pk))
    layout = analyst.post(_url("analytics_layout_save", dashboard_id=board.pk),
                          json.dumps({"items": [{"id": widget.pk, "x": 1, "y": 1, "w": 2, "h": 2}]}),
                          content_type="application/json")  # fmt: skip
    removed = analyst.post(_url("analytics_widget_remove", dashboard_id=board.pk, widget_id=widget.pk))
    settings_form = {"settings-title": "Mine", "settings-time_range": "7d", "settings-refresh_seconds": "0"}
    renamed = analyst.post(_url("analytics_dashboard_settings", dashboard_id=board.pk), settings_form)
    deleted = analyst.post(_url("analytics_dashboard_delete", dashboard_id=board.pk))
    copied = analyst.post(_url("analytics_dashboard_copy", dashboard_id=board.pk))

    assert (
        page.status_code == 200 and b'id="edit-toggle"' not in page.content and b"Copy to my dashboards" in page.content
    )
    assert [layout.status_code, removed.status_code, renamed.status_code, deleted.status_code] == [403] * 4
    widget.refresh_from_db()
    assert (widget.x, widget.y, widget.w, widget.h) == (0, 0, 6, 4) and Dashboard.objects.get(
        pk=board.pk
    ).title == "Officer's"
    assert copied.status_code == 302
    assert AuditEvent.objects.count() == events + 1  # the copy only
    assert Dashboard.objects.filter(owner__username="other-analyst", title="Officer's (copy)").exists()


def test_the_pages_need_a_portal_role_and_the_second_factor(staff_user, client):
    executive = _shipped("executive")
    url = _url("analytics_dashboard", dashboard_id=executive.pk)
    ops = Client()
    ops.force_login(staff_user(StaffRole.OPS, username="ops-analytics"))

    assert client.get(url).status_code == 302  # anonymous: to the sign-in page
    assert ops.get(url).status_code == 403
    assert settings.ANALYTICS_LIVE_MIN_INTERVAL_MS == 1000
