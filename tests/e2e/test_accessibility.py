"""Every portal page passes axe-core (issue 17 §7): no serious or critical violation of the WCAG 2 A/AA and
best-practice rules, in the light theme and in the dark one (where only the colour rules run again).

The pages are not listed here: tests/e2e/portal_pages.py enumerates every route under /portal/ from the URL
configuration and fills its parameters from one seeded row of each kind, so a new page is checked as soon as it
is routed (a parameter without a sample fails, naming it). Routes that answer GET with 405 are actions;
downloads, exports and fragments are listed there with a reason. The superuser opens every page (a superuser may
open them all and sees every control); the sign-in steps are checked on the way in, as are a compliance
officer's and a security analyst's dashboards (their navigation differs) and the page refusing a role.
axe.min.js is vendored from npm by `make test-assets`.
"""

import re
import threading

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from apps.accounts.choices import StaffRole
from apps.accounts.roles import ROLE_GROUP_NAMES
from tests.e2e.axe import AXE_JS, axe_available, axe_violations, set_theme
from tests.e2e.portal_pages import SIGN_IN, MissingSample, not_a_page, portal_routes, sample_kwargs, seed_one_of_each
from tests.factories import PASSWORD, UserFactory
from tests.second_factor import token_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TIMEOUT_MS = 15_000
THEMES = ("light", "dark")


def _in_another_thread(function) -> None:
    """Run `function` off the thread whose event loop Playwright's sync API owns (services send live updates)."""
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
    thread.join(timeout=180)
    if errors:
        raise errors[0]


def _staff(username: str, role: StaffRole | None, device: bool = True):
    user = UserFactory(username=username, is_superuser=role is None)
    if role is not None:
        user.groups.add(Group.objects.get(name=ROLE_GROUP_NAMES[role]))
    return user, (TOTPDevice.objects.create(user=user, name="phone", confirmed=True) if device else None)


class Audit:
    """The violations and the coverage problems found, one message each."""

    def __init__(self) -> None:
        self.violations = []
        self.problems = []
        self.checked = []

    def check(self, page, label: str, themes=THEMES) -> None:
        path = re.sub(r"^https?://[^/]+", "", page.url)
        for number, theme in enumerate(themes):
            set_theme(page, theme)
            self.violations += axe_violations(page, f"{path} ({label}, {theme})", colours_only=number > 0)
        self.checked.append(path)

    def report(self) -> str:
        parts = []
        if self.problems:
            parts.append("Pages not checked:\n" + "\n".join(f"  {problem}" for problem in self.problems))
        if self.violations:
            parts.append(
                f"{len(self.violations)} serious or critical axe-core violations (rule, help, selector -- why):\n"
                + "\n".join(violation.describe() for violation in self.violations)
            )
        return "\n\n".join(parts)


def _sign_in(page, base_url: str, user, device, audit: Audit | None, label: str) -> None:
    """The portal's sign-in as a person does it; with `audit`, axe checks the password and code steps."""
    page.goto(f"{base_url}/portal/", wait_until="networkidle")
    expect(page).to_have_url(re.compile(r"/portal/login/\?next="))
    if audit:
        audit.check(page, f"{label}, sign-in")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    if device is None:  # no authenticator yet: the enrolment step
        expect(page).to_have_url(re.compile(r"/portal/login/enrol/"))
        page.wait_for_load_state("networkidle")
        audit.check(page, f"{label}, enrolment")
        return
    expect(page.get_by_label("Code")).to_be_visible()
    if audit:
        audit.check(page, f"{label}, code")
    page.get_by_label("Code").fill(token_for(device))
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/portal/$"), timeout=TIMEOUT_MS)
    page.wait_for_load_state("networkidle")


def _check_every_route(page, base_url: str, audit: Audit) -> None:
    for route in portal_routes():
        if route.name in SIGN_IN or not_a_page(route):
            continue
        missing = None
        try:
            url = route.url(sample_kwargs(route))
        except MissingSample as error:
            url, missing = route.placeholder_url(), error
        # asked first without the browser: an action (require_POST) answers 405 and needs no sample
        probe = page.request.get(f"{base_url}{url}", max_redirects=0)
        if probe.status == 405:
            continue
        if missing:
            audit.problems.append(str(missing))
            continue
        content_type = probe.headers.get("content-type", "")
        if probe.status >= 500:
            audit.problems.append(f"{route.name} ({url}): fails with {probe.status} (a server error: render it with "
                                  "the test client to see the traceback)")  # fmt: skip
            continue
        if probe.status != 200 or not content_type.startswith("text/html"):
            audit.problems.append(f"{route.name} ({url}): answered GET with {probe.status} {content_type}: fix its "
                                  "sample (BY_PARAM/BY_ROUTE) or, if it is no page, list it in NOT_PAGES")  # fmt: skip
            continue
        page.goto(f"{base_url}{url}", wait_until="networkidle")
        audit.check(page, "superuser")


def test_every_portal_page_passes_axe_core_in_both_themes(browser, asgi_server):
    if not axe_available():
        pytest.fail(f"{AXE_JS} is missing: `make test-assets` vendors axe-core from npm")
    root, root_device = _staff("root.a11y", None)
    officer, officer_device = _staff("officer.a11y", StaffRole.COMPLIANCE_OFFICER)
    analyst, analyst_device = _staff("analyst.a11y", StaffRole.SECURITY_ANALYST)
    newcomer, _ = _staff("newcomer.a11y", StaffRole.COMPLIANCE_OFFICER, device=False)
    _in_another_thread(lambda: seed_one_of_each(owner=officer))
    audit = Audit()

    # the page's CSP forbids inline scripts: axe is injected as one, so this context bypasses it
    def new_page():
        context = browser.new_context(bypass_csp=True, color_scheme="light", viewport={"width": 1366, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        return context.new_page()

    page = new_page()
    _sign_in(page, asgi_server, root, root_device, audit, "superuser")
    _check_every_route(page, asgi_server, audit)
    for user, device, label in [(officer, officer_device, "officer"), (analyst, analyst_device, "analyst")]:
        other = new_page()
        _sign_in(other, asgi_server, user, device, None, label)
        audit.check(other, label)
        if user is analyst:  # the page that says why a role may not open a page, and where to go
            refused = other.goto(f"{asgi_server}/portal/frameworks/", wait_until="networkidle")
            assert refused.status == 403, refused.status
            audit.check(other, "analyst, refused")
        other.context.close()
    enrolling = new_page()
    _sign_in(enrolling, asgi_server, newcomer, None, audit, "officer without an authenticator")
    enrolling.context.close()

    assert len(audit.checked) > 40, audit.checked  # the enumeration found the portal's pages
    assert not audit.problems and not audit.violations, audit.report()
