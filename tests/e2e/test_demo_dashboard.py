"""The README's first screenshot: the compliance dashboard of the demo `make run` seeds (seed_demo and
seed_showcase), seen by a compliance officer in a 1366x900 window — framework scores, the failing check the demo
planted, compliance alerts, the audit activity, data protection; saved as docs/screenshots/demo-dashboard.png."""

import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from apps.accounts.choices import StaffRole
from apps.accounts.services import staff_user_create
from apps.core.actors import Actor
from tests.second_factor import token_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TIMEOUT_MS = 30_000
PASSWORD = "demo-screenshot-Passw0rd!"


def _seed_the_demo() -> None:
    """What `make run` seeds, in a thread of its own (Playwright's event loop owns the test's thread, and the
    story's live updates go through async_to_sync)."""
    errors = []

    def seed():
        try:
            call_command("seed_demo", no_progress=True, stdout=StringIO(), stderr=StringIO())
            call_command("seed_showcase", stdout=StringIO())
        except Exception as error:  # noqa: BLE001 - re-raised in the test's thread
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=seed)
    thread.start()
    thread.join(timeout=900)
    assert not thread.is_alive(), "seeding the demo took more than 15 minutes"
    if errors:
        raise errors[0]


def test_the_seeded_demo_dashboard_as_a_compliance_officer_sees_it(page, asgi_server, screenshots, monkeypatch):
    with monkeypatch.context() as env:
        # `check --deploy` (a subprocess of the seeding) sees this test process's environment: without the browser
        # tests' DJANGO_ALLOW_ASYNC_UNSAFE it reports what `make run`'s would (the seeding thread has no event loop)
        env.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
        _seed_the_demo()
    officer = staff_user_create(
        actor=Actor.system("e2e"),
        username="officer",
        email="",
        password=PASSWORD,
        role=StaffRole.COMPLIANCE_OFFICER,
    )
    device = TOTPDevice.objects.create(user=officer, name="phone", confirmed=True)

    page.goto(f"{asgi_server}/portal/")
    page.get_by_label("Username").fill("officer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Code").fill(token_for(device))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Compliance dashboard")).to_be_visible()

    failing = page.locator('[data-widget="failing"]')
    expect(failing.locator('[data-check="privacy.requests_overdue"]')).to_be_visible(timeout=TIMEOUT_MS)
    # the charts are drawn (the page's policy forbids evaluating strings, so no wait_for_function)
    expect(page.locator('[data-widget="scores"] .js-plotly-plot')).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator('[data-widget="audit"] .js-plotly-plot')).to_be_visible(timeout=TIMEOUT_MS)
    assert page.viewport_size == {"width": 1366, "height": 900}
    page.screenshot(path=screenshots / "demo-dashboard.png")
