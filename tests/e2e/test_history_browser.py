"""Drill-down in a real browser (issue 17, item 5): on the dashboard, with the time range picked in the URL, a
click on a bar of "Failing checks per day" opens the failing check runs of that framework and day."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from apps.accounts.choices import StaffRole
from apps.accounts.roles import ROLE_GROUP_NAMES
from tests.factories import PASSWORD, UserFactory
from tests.portal import data
from tests.second_factor import token_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TIMEOUT_MS = 15_000


def test_a_click_on_a_failing_checks_bar_opens_the_runs_behind_it(page, asgi_server):
    user = UserFactory(username="officer.history")
    user.groups.add(Group.objects.get(name=ROLE_GROUP_NAMES[StaffRole.COMPLIANCE_OFFICER]))
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    yesterday = timezone.now() - timedelta(days=1)
    run = data.stored_check_run("history.e2e", "fail", ["gdpr:Art.32"], finished_at=yesterday)

    page.goto(f"{asgi_server}/portal/?range=7d")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Code").fill(token_for(device))
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(r"/portal/\?range=7d$"))
    expect(page.get_by_label("Time range")).to_have_value("7d")
    chart = page.locator('[data-figure="fig-history-failing"]')
    expect(chart).to_have_attribute("data-drawn", "true", timeout=TIMEOUT_MS)
    chart.scroll_into_view_if_needed()
    bar = chart.locator(".trace.bars .point path").first
    box = bar.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)

    day = yesterday.date().isoformat()
    expect(page).to_have_url(re.compile(rf"/portal/check-runs/failing/\?framework=gdpr&day={day}$"), timeout=TIMEOUT_MS)
    expect(page.get_by_role("heading", name="Failing check runs")).to_be_visible()
    expect(page.locator(f'tr[data-run="{run.pk}"]')).to_contain_text("history.e2e")
