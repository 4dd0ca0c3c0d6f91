"""The portal's dark mode in a real browser: the system's preference by default, the top bar's switch
overrides it (auto -> dark -> light), and the choice survives a reload (localStorage)."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LIGHT_BG = "rgb(245, 247, 250)"  # --bg of the light theme (#f5f7fa)
DARK_BG = "rgb(17, 24, 39)"  # --bg of the dark theme (#111827)


def _background(page) -> str:
    return page.evaluate("getComputedStyle(document.body).backgroundColor")


def test_the_switch_cycles_the_theme_and_the_choice_survives_a_reload(page, asgi_server):
    page.emulate_media(color_scheme="light")
    page.goto(f"{asgi_server}/portal/login/")
    switch = page.locator("[data-theme-switch]")
    expect(switch).to_be_visible()
    expect(switch).to_have_text("Theme: auto")
    assert _background(page) == LIGHT_BG

    switch.click()
    expect(switch).to_have_text("Theme: dark")
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    assert _background(page) == DARK_BG

    page.reload()
    expect(page.locator("[data-theme-switch]")).to_have_text("Theme: dark")
    assert _background(page) == DARK_BG

    page.locator("[data-theme-switch]").click()
    expect(page.locator("[data-theme-switch]")).to_have_text("Theme: light")
    page.emulate_media(color_scheme="dark")
    assert _background(page) == LIGHT_BG  # the choice wins over the system's preference

    page.locator("[data-theme-switch]").click()  # back to auto: the system's (now dark) preference
    expect(page.locator("[data-theme-switch]")).to_have_text("Theme: auto")
    assert page.evaluate("document.documentElement.hasAttribute('data-theme')") is False
    assert _background(page) == DARK_BG
    assert page.evaluate("localStorage.getItem('portal-theme')") is None
