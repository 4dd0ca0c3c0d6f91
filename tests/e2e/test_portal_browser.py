"""The portal in a real browser: sign in with a password and a TOTP code, watch the dashboard turn red
live when a check fails, drill into the evidence, download a report; screenshots of the main pages go to
docs/screenshots/ (shown in the README)."""

import hashlib
import re
import threading

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from apps.accounts.choices import StaffRole
from apps.accounts.roles import ROLE_GROUP_NAMES
from apps.compliance.models import Framework
from apps.compliance.services.reports import report_definition_create, report_run
from tests.factories import PASSWORD, UserFactory
from tests.portal import data
from tests.second_factor import token_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MFA_CHECK = data.MFA_CHECK
TIMEOUT_MS = 15_000


def _in_another_thread(function) -> None:
    """Run `function` outside this thread's event loop (the sync Playwright API keeps one running here, and
    Channels' async_to_sync refuses to send from a thread that has one)."""
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
    user = UserFactory(username="officer.e2e")
    user.groups.add(Group.objects.get(name=ROLE_GROUP_NAMES[StaffRole.COMPLIANCE_OFFICER]))
    return user, TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def _report():
    definition = report_definition_create(
        actor=data.ACTOR, name="GDPR status (e2e)", kind="framework_status", framework=Framework.objects.get(pk="gdpr")
    )
    return report_run(definition=definition, actor=data.ACTOR, send_email=False)


def test_officer_signs_in_watches_a_check_fail_live_and_follows_the_evidence(page, asgi_server, screenshots):
    user, device = _officer()
    data.security_alerts(2)
    data.compliance_alerts(2)
    data.data_subject_requests(3)
    run = _report()
    assert run.status == "succeeded", run.error
    _in_another_thread(data.run_baseline_checks)  # the MFA check passes: every privileged account has a device

    # sign in: password, then the authenticator's code
    page.goto(f"{asgi_server}/portal/")
    expect(page).to_have_url(re.compile(r"/portal/login/\?next="))
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Authenticator code")).to_be_visible()
    page.get_by_label("Code").fill(token_for(device))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Compliance dashboard")).to_be_visible()

    # live: a superuser without MFA appears, the check runs elsewhere, the widget turns red by itself
    expect(page.locator("#dashboard")).to_have_attribute("data-live", "open", timeout=TIMEOUT_MS)
    failing = page.locator('[data-widget="failing"]')
    expect(failing.locator(f'[data-check="{MFA_CHECK}"]')).to_have_count(0)
    UserFactory(username="root.without.mfa", is_superuser=True)
    _in_another_thread(data.run_mfa_check)  # as a worker would (Playwright's loop owns this thread)
    expect(failing.locator(f'[data-check="{MFA_CHECK}"]')).to_be_visible(timeout=TIMEOUT_MS)
    expect(failing).to_have_attribute("data-updated", re.compile(r"\d{4}-"))
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length >= 2", timeout=TIMEOUT_MS)
    page.screenshot(path=screenshots / "dashboard.png", full_page=True)

    # drill into the evidence of that run, and verify its hash
    failing.get_by_role("link", name=MFA_CHECK).click()
    expect(page.locator("#evidence-json")).to_contain_text("root.without.mfa")
    page.get_by_role("button", name="Verify the hash").click()
    expect(page.locator("#verify-result")).to_have_text("The evidence matches its SHA-256.")
    page.screenshot(path=screenshots / "evidence.png", full_page=True)

    # framework -> requirement -> the same evidence
    page.get_by_role("link", name="Frameworks", exact=True).first.click()
    page.get_by_role("link", name=re.compile(r"^General Data Protection|^GDPR")).first.click()
    expect(page.locator('[data-ref="Art.32(1)(b)"]')).to_contain_text("failing")
    page.screenshot(path=screenshots / "framework.png", full_page=False)
    page.locator('[data-ref="Art.32(1)(b)"]').get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Art.32(1)(b)")
    page.get_by_role("link", name=re.compile(f"Evidence of {re.escape(MFA_CHECK)}")).click()
    expect(page.locator("#evidence-sha256")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))

    # the report library: download the CSV and check it against its SHA-256
    page.get_by_role("link", name="Reports", exact=True).click()
    csv = next(f for f in run.files.all() if f.format == "csv")
    with page.expect_download() as download_info:
        page.locator(f'[data-run="{run.pk}"] a[data-format="csv"]').click()
    download = download_info.value
    assert hashlib.sha256(open(download.path(), "rb").read()).hexdigest() == csv.sha256  # noqa: PTH123, SIM115
    page.screenshot(path=screenshots / "reports.png", full_page=True)

    page.get_by_role("link", name="Compliance alerts").click()
    page.screenshot(path=screenshots / "alerts.png", full_page=True)
    page.get_by_role("button", name=re.compile(r"^Acknowledge")).first.click()
    expect(page.get_by_role("status").filter(has_text="acknowledged")).to_be_visible()

    for link, name in [("Data-subject requests", "dsrs"), ("Security alerts", None)]:
        page.get_by_role("link", name=link).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(link)
        if name:
            page.screenshot(path=screenshots / f"{name}.png", full_page=True)

    # a tablet: navigation above the content, widgets in one column
    page.set_viewport_size({"width": 820, "height": 1180})
    page.get_by_role("link", name="Dashboard", exact=True).click()
    expect(page.locator(f'[data-check="{MFA_CHECK}"]')).to_be_visible()
    page.screenshot(path=screenshots / "dashboard-tablet.png", full_page=False)

    # keyboard: the skip link is the first stop and moves focus to the content
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
