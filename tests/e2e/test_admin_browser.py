"""The staff admin in a real browser (issue 17, item 6): sign in with a password and a TOTP code, land on the
dashboard with the sidebar grouped by domain, switch to dark mode (unfold's Alpine.js runs under the admin's
Content-Security-Policy), and a bet list whose columns fit a 1366-pixel laptop screen. Screenshots of the
dashboard and the bet list go to docs/screenshots/ (admin-*.png)."""

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from apps.betting.choices import Market, Selection
from apps.betting.services import bet_place, capper_create, game_upsert
from apps.betting.services.bets import LegInput
from apps.core.actors import Actor
from apps.incidents.services.incidents import incident_declare
from apps.tenants.services import tenant_create
from tests.factories import PASSWORD, UserFactory
from tests.second_factor import token_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ACTOR = Actor.system("e2e")


def _bets(count: int) -> None:
    """Bets of a long-named tenant's capper with a long name: the columns that crowded the list."""
    tenant = tenant_create(actor=ACTOR, guild_id="520000000000000001", name="The Extremely Long Named Betting Guild")
    capper = capper_create(
        tenant=tenant, actor=ACTOR, discord_user_id="620000000000000001", username="a_capper_with_a_long_name"
    )
    game, _ = game_upsert(
        actor=ACTOR,
        external_id="e2e-admin-game",
        sport="basketball",
        league="nba",
        home_team="Minnesota Timberwolves",
        away_team="Oklahoma City Thunder",
        starts_at=datetime(2030, 1, 1, tzinfo=UTC),
    )
    for number in range(count):
        bet_place(
            tenant=tenant,
            actor=ACTOR,
            external_id=f"13000000000000{number:05}",
            capper=capper,
            stake_units=Decimal("1.50"),
            legs=[
                LegInput(market=Market.MONEYLINE, selection=Selection.HOME, odds=-110 - number, game="e2e-admin-game")
            ],
        )
    assert game.pk


def test_staff_sign_in_to_the_dashboard_switch_to_dark_mode_and_read_the_bet_list(page, asgi_server, screenshots):
    user = UserFactory(username="root.e2e", is_staff=True, is_superuser=True)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    _bets(12)
    incident_declare(actor=ACTOR, title="Credential stuffing wave", kind="credential_stuffing", severity="critical")
    page.emulate_media(color_scheme="light")

    page.goto(f"{asgi_server}/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login/\?next="))
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Code").fill(token_for(device))
    page.get_by_role("button", name="Sign in").click()

    # the dashboard: the figures first, the sidebar grouped by domain
    expect(page.locator("#dashboard-figures")).to_be_visible()
    expect(page.locator("#figure-incidents .dbsbm-figure__value")).to_have_text("1")
    sidebar = page.get_by_role("region", name="scrollable content")
    for group in ("Betting ledger", "Fraud & security", "Accounts & audit", "Tools"):
        expect(sidebar.get_by_role("heading", name=re.compile(f"^{group}"))).to_be_visible()
    page.screenshot(path=screenshots / "admin-dashboard.png", full_page=False)

    # dark mode: the user menu's switch (Alpine.js) puts the class on <html>, and the choice survives a reload
    assert "dark" not in (page.locator("html").get_attribute("class") or "")
    page.get_by_text(user.username, exact=True).first.click()
    page.get_by_text("Dark", exact=True).click()
    expect(page.locator("html")).to_have_class(re.compile(r"\bdark\b"))
    page.reload()
    expect(page.locator("html")).to_have_class(re.compile(r"\bdark\b"))
    page.get_by_text(user.username, exact=True).first.click()
    page.get_by_text("Light", exact=True).click()
    expect(page.locator("html")).not_to_have_class(re.compile(r"\bdark\b"))

    # the bet list at 1366 px: every column on screen, no sideways scrolling
    sidebar.get_by_role("heading", name=re.compile("^Betting ledger")).click()  # the groups fold
    sidebar.get_by_role("link", name=re.compile(r"\bBets$")).click()
    table = page.locator("#result_list")
    expect(table).to_be_visible()
    for column in ("tenant_short", "capper", "status", "odds", "net_units", "needs_review"):
        expect(page.locator(f"th.column-{column}")).to_be_visible()
    page.screenshot(path=screenshots / "admin-bets.png", full_page=False)
    right = page.evaluate("document.querySelector('#result_list').getBoundingClientRect().right")
    assert right <= page.viewport_size["width"], right
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    expect(page.get_by_role("link", name="Export CSV")).to_be_visible()
