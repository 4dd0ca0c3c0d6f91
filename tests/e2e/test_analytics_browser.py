"""Analytics dashboards in a real browser (uvicorn + Debian chromium, the Redis channel layer): an officer signs
in with a TOTP code and opens a dashboard holding one widget of each of the ten chart types (a screenshot of each
goes to docs/screenshots/analytics-<type>.png), switches the time range, moves and resizes a widget with the mouse
and saves the layout, drills from a bar into the bets behind it, and sees a widget refetched live when a bet is
placed elsewhere. No inline script runs (the page's CSP)."""

import re
import threading
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from apps.accounts.choices import StaffRole
from apps.accounts.roles import ROLE_GROUP_NAMES
from apps.analytics.models import Widget
from apps.analytics.services.dashboards import dashboard_create
from apps.analytics.services.widgets import widget_add
from apps.betting.services import bet_place
from apps.betting.services.bets import LegInput
from apps.core.actors import Actor
from tests.analytics.world import build_world
from tests.factories import PASSWORD, UserFactory
from tests.second_factor import token_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TIMEOUT_MS = 15_000
ACTOR = Actor.system("analytics e2e")
# one widget of each chart type: (title, chart type, query, options)
GALLERY = [
    ("Handle", "kpi", {"metrics": "stake_units", "grain": "none"}, {}),
    ("Win rate", "gauge", {"metrics": "win_rate", "grain": "none"}, {}),
    ("Net units and handle by day", "line", {"metrics": "units_net,stake_units", "grain": "day"}, {}),
    ("Net units by capper", "bar", {"metrics": "units_net", "group_by": "capper", "grain": "none"}, {}),
    ("Handle by market", "pie", {"metrics": "stake_units", "group_by": "market", "grain": "none"}, {}),
    ("Handle against ROI by capper", "scatter", {"metrics": "stake_units,roi", "group_by": "capper", "grain": "none"},
     {}),
    ("Bets by league", "area", {"metrics": "bets_placed", "group_by": "league", "grain": "day"}, {}),
    ("Bets by league and day", "heatmap", {"metrics": "bets_placed", "group_by": "league", "grain": "day"}, {}),
    ("Results by league", "table", {"metrics": "units_net,roi,bets_placed", "group_by": "league", "grain": "none"}, {}),
    ("Bets by market", "funnel", {"metrics": "bets_placed", "group_by": "market", "grain": "none"}, {}),
]  # fmt: skip


def _in_another_thread(function) -> None:
    """Run `function` off the thread whose event loop Playwright's sync API owns."""
    errors = []

    def target():
        try:
            function()
        except Exception as error:  # noqa: BLE001 - re-raised below in the test's thread
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=60)
    if errors:
        raise errors[0]


def _officer():
    user = UserFactory(username="officer.analytics")
    user.groups.add(Group.objects.get(name=ROLE_GROUP_NAMES[StaffRole.COMPLIANCE_OFFICER]))
    return user, TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def _gallery(owner, tenant):
    board = dashboard_create(owner=owner, actor=ACTOR, title="Chart gallery", scope="tenant", tenant=tenant)
    widgets = {}
    for index, (title, chart_type, query, options) in enumerate(GALLERY):
        box = ((index % 2) * 6, (index // 2) * 4, 6, 4)
        widgets[chart_type] = widget_add(dashboard=board, editor=owner, actor=ACTOR, title=title,
                                         chart_type=chart_type, query=query, options=options, box=box)  # fmt: skip
    return board, widgets


def _sign_in(page, base_url: str, path: str, user, device) -> None:
    page.goto(f"{base_url}{path}")
    expect(page).to_have_url(re.compile(r"/portal/login/\?next="))
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Code").fill(token_for(device))
    page.get_by_role("button", name="Sign in").click()


def _drag(page, x: float, y: float, dx: float, dy: float) -> None:
    """A mouse drag as a person does it (gridstack listens to the mouse events)."""
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx / 2, y + dy / 2, steps=8)
    page.mouse.move(x + dx, y + dy, steps=8)
    page.mouse.up()


def _all_drawn(page, count: int) -> None:
    """Every chart drawn by plotly.js (locators poll without eval: the page's CSP forbids it)."""
    expect(page.locator('[data-analytics-figure][data-drawn="true"]')).to_have_count(count, timeout=TIMEOUT_MS)


def test_an_officer_views_edits_and_drills_into_a_dashboard(page, asgi_server, screenshots, tenant):
    user, device = _officer()
    world = build_world(tenant=tenant, actor=ACTOR)
    board, widgets = _gallery(user, tenant)
    csp_violations = []
    page.on("console", lambda message: "Content Security Policy" in message.text and csp_violations.append(message))

    _sign_in(page, asgi_server, f"/portal/analytics/{board.pk}/", user, device)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Chart gallery")
    _all_drawn(page, len(GALLERY))

    # every chart type drawn by plotly.js in the browser: one screenshot each
    for chart_type, widget in widgets.items():
        box = page.locator(f'[data-widget="{widget.pk}"]')
        expect(box.locator(".js-plotly-plot")).to_have_count(1)
        box.screenshot(path=screenshots / f"analytics-{chart_type}.png")
    page.screenshot(path=screenshots / "analytics-dashboard.png", full_page=True)

    # the time-range picker re-runs the queries: a preset, then a custom range
    page.get_by_label("Time range", exact=True).select_option("7d")
    expect(page).to_have_url(re.compile(r"range=7d"))
    _all_drawn(page, len(GALLERY))
    line = widgets["line"]
    assert page.evaluate(f"document.querySelector('[data-widget=\"{line.pk}\"] .js-plotly-plot').data[0].x.length") == 7
    page.get_by_label("Time range", exact=True).select_option("custom")
    day = world.day.date().isoformat()
    page.get_by_label("From", exact=True).fill(day)
    page.get_by_label("To", exact=True).fill(day)
    page.get_by_role("button", name="Show").click()
    expect(page.locator('[data-field="range"]')).to_have_text(f"{day} – {day}")
    _all_drawn(page, len(GALLERY))

    # edit mode: resize the gauge (top right) by its corner handle, drag the KPI (top left) down by its title bar
    page.get_by_role("button", name="Edit layout").click()
    kpi, gauge = widgets["kpi"], widgets["gauge"]
    column = page.locator("#analytics-grid").bounding_box()["width"] / 12
    corner = page.locator(f'[data-widget="{gauge.pk}"] .ui-resizable-se').bounding_box()
    _drag(page, corner["x"] + corner["width"] / 2, corner["y"] + corner["height"] / 2, -2 * column, 80)
    head = page.locator(f'[data-widget="{kpi.pk}"] .widget-box__head').bounding_box()
    _drag(page, head["x"] + 60, head["y"] + head["height"] / 2, 0, 5 * 80)
    expect(page.locator("#analytics-grid")).to_have_attribute("data-layout-dirty", "true")
    page.get_by_role("button", name="Save layout").click()
    expect(page.locator("#layout-status")).to_have_text("Layout saved")
    shown = {
        int(item.get_attribute("gs-id")): tuple(int(item.get_attribute(f"gs-{a}") or 0) for a in "xywh")
        for item in page.locator(".grid-stack-item").all()
    }
    saved = {w.pk: (w.x, w.y, w.w, w.h) for w in Widget.objects.filter(dashboard=board)}
    assert saved == shown
    assert saved[gauge.pk][2:] == (4, 5) and saved[kpi.pk][1] > 0
    page.reload()
    expect(page.locator(f'[data-widget="{gauge.pk}"]')).to_have_attribute("gs-w", "4")
    _all_drawn(page, len(GALLERY))

    # live: a bet placed elsewhere makes the page fetch the widgets that show betting figures again
    expect(page.locator("#analytics-grid")).to_have_attribute("data-live", "open", timeout=TIMEOUT_MS)
    _in_another_thread(
        lambda: bet_place(
            tenant=tenant,
            actor=ACTOR,
            external_id="e2e-live",
            capper=world.joe,
            stake_units=Decimal("2"),
            legs=[LegInput("prop", "over 9.5 rebounds", 110, None, None, "Celtics at Knicks")],
            placed_at=world.day,
        )  # fmt: skip
    )
    expect(page.locator("#analytics-grid")).to_have_attribute("data-refetch-done", "1", timeout=TIMEOUT_MS)
    for widget in widgets.values():  # every widget shows betting figures: each was fetched again, once
        expect(page.locator(f'[data-widget="{widget.pk}"]')).to_have_attribute("data-updated", re.compile(r"\d{4}-"))
    # the placement tells the page, and so does the rollups' refresh after it: within one refetch they are one
    # round, one after the other two (never one per widget)
    assert page.locator("#analytics-grid").get_attribute("data-refetch-rounds") in ("1", "2")
    _all_drawn(page, len(GALLERY))

    # drill-down: click joe's bar, land on the list of his bets
    bars = widgets["bar"]
    bar = page.locator(f'[data-widget="{bars.pk}"] .js-plotly-plot .bars path').first
    bar.scroll_into_view_if_needed()
    target = bar.bounding_box()  # plotly's drag layer over the bars takes the click and finds the bar under it
    page.mouse.click(target["x"] + target["width"] / 2, target["y"] + target["height"] / 2)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bets behind “Net units by capper”")
    capper = page.locator('[data-filter="capper"]').inner_text()
    expected = Widget.objects.get(pk=bars.pk).dashboard.tenant.bets.filter(capper_id=int(capper)).count()
    assert page.locator("#drill-rows tbody tr[data-bet]").count() == expected > 0
    assert not csp_violations, [message.text for message in csp_violations]
