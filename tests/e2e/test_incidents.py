"""Incident response in a real browser (uvicorn + Debian chromium, the Redis channel layer): an analyst signs
in with a TOTP code, declares an incident through the form, finds it on the board, watches a note appear live
on its page, acknowledges it, is told a skip needs a reason, closes it and opens the review draft. The GDPR
clock counts down in the page (static JS under the page's CSP, no inline script)."""

import re
import threading

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from apps.accounts.choices import StaffRole
from apps.accounts.roles import ROLE_GROUP_NAMES
from apps.core.actors import Actor
from apps.incidents.models import ClockDefinition, Incident
from apps.incidents.services.incidents import incident_note
from tests.factories import PASSWORD, UserFactory
from tests.second_factor import token_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TIMEOUT_MS = 15_000
TITLE = "Customer e-mails exposed by a misconfigured export"


def _in_another_thread(function) -> None:
    """Run `function` off the thread whose event loop Playwright's sync API owns (Channels' async_to_sync
    refuses to send from it)."""
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


def _analyst():
    user = UserFactory(username="analyst.e2e")
    user.groups.add(Group.objects.get(name=ROLE_GROUP_NAMES[StaffRole.SECURITY_ANALYST]))
    return user, TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def _sign_in(page, base_url: str, user, device) -> None:
    page.goto(f"{base_url}/portal/incidents/")
    expect(page).to_have_url(re.compile(r"/portal/login/\?next="))
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Code").fill(token_for(device))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Incidents")


def test_an_analyst_declares_acknowledges_and_closes_an_incident(page, asgi_server):
    user, device = _analyst()
    # the shipped GDPR clock (a data migration; an earlier transactional test may have flushed it)
    ClockDefinition.objects.get_or_create(
        regulation="gdpr-art-33",
        defaults={"name": "GDPR Art. 33 notification of the supervisory authority", "hours": 72,
                  "requires_personal_data": True},
    )  # fmt: skip
    csp_violations = []
    page.on("console", lambda message: "Content Security Policy" in message.text and csp_violations.append(message))
    _sign_in(page, asgi_server, user, device)

    # declare through the form: a bad one first (nothing written), then the real one
    page.get_by_role("link", name="Declare incident").first.click()
    page.get_by_role("button", name="Declare").click()
    expect(page.get_by_text("The incident was not declared")).to_be_visible()
    assert Incident.objects.count() == 0
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Kind").select_option("data_breach")
    page.get_by_label("Severity").select_option("high")
    page.get_by_label("Personal data involved").check()
    page.get_by_role("button", name="Declare").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    incident = Incident.objects.get(title=TITLE)
    expect(page.locator('[data-field="status"]')).to_have_text("New")

    # the GDPR clock counts down in the page (the JS rewrites the text every second)
    gdpr = page.locator('[data-part="clocks"] [data-clock]').filter(has_text="GDPR Art. 33")
    countdown = gdpr.locator("time[data-countdown]")
    expect(countdown).to_have_text(re.compile(r"^[23] d \d\d:\d\d:\d\d left$"), timeout=TIMEOUT_MS)

    # the board shows it in the "new" column
    page.get_by_role("link", name="Incident board").click()
    card = page.locator(f'[data-status="new"] [data-incident="{incident.pk}"]')
    expect(card).to_contain_text(TITLE)
    card.get_by_role("link", name=incident.reference).click()

    # live: a note added elsewhere appears without a reload
    root = page.locator("#incidents-live")
    expect(root).to_have_attribute("data-live", "open", timeout=TIMEOUT_MS)
    _in_another_thread(
        lambda: incident_note(incident=incident, actor=Actor.system("dpo"), text="The DPO has been told")
    )
    expect(page.locator('[data-part="timeline"]')).to_contain_text("The DPO has been told", timeout=TIMEOUT_MS)

    # acknowledge: the escalation stops
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.locator('[data-field="acknowledged"]')).to_contain_text(f"Acknowledged by {user.username}")
    expect(page.get_by_role("button", name="Acknowledge")).to_have_count(0)

    # move: triaged, then a skip without a reason is refused, with a reason it closes
    page.get_by_label("Move to").select_option("triaged")
    page.get_by_role("button", name="Move").click()
    expect(page.locator('[data-field="status"]')).to_have_text("Triaged")
    page.get_by_label("Move to").select_option("closed")
    page.get_by_role("button", name="Move").click()
    expect(page.get_by_role("alert").first).to_contain_text("skips contained, eradicated, recovered: give a reason")
    incident.refresh_from_db()
    assert incident.status == "triaged"
    page.get_by_label("Move to").select_option("closed")
    page.get_by_label("Reason").fill("Export disabled the same hour; nothing left to contain")
    page.get_by_role("button", name="Move").click()
    expect(page.locator('[data-field="status"]')).to_have_text("Closed")

    # the review draft, generated on close
    page.get_by_role("link", name=re.compile(r"Post-incident review \(draft\)")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Post-incident review")
    expect(page.locator('[data-field="review-status"]')).to_have_text("Draft")
    expect(page.get_by_role("link", name="PDF")).to_be_visible()
    assert not csp_violations, [message.text for message in csp_violations]
