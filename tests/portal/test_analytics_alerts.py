"""The alerting pages: every page needs a portal role and a verified second factor; a rule made through the
form is saved by the service (audited); a bad query or target shows the form again with a 400 naming what
is allowed and writes nothing; rules pause and resume, silences start and end, insights list their
expected range; the lists cost the same for few and many rows."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.accounts.choices import StaffRole
from apps.analytics.models import AlertRule, AlertSilence, Insight, InsightScan
from apps.analytics.services.alerting import alert_rule_create, alert_silence_create
from apps.analytics.services.alerting_evaluation import alert_rule_evaluate
from apps.audit.models import AuditEvent
from tests.analytics.alerting_data import make_capper, place_stakes
from tests.second_factor import verified_client

pytestmark = pytest.mark.django_db

CREATE = reverse("portal:analytics_alert_create")
GOOD = {
    "name": "Parlay handle",
    "guild_id": "",
    "metric": "stake_units",
    "grain": "hour",
    "group_by": "league",
    "filters": "bet_type=parlay",
    "window": "3",
    "reducer": "sum",
    "condition": "gt",
    "threshold": "50",
    "pending_seconds": "120",
    "interval_seconds": "60",
    "severity": "warning",
    "targets": "email: oncall@dbsbm.test\nwebhook: https://hooks.dbsbm.test/alerts",
}
LIST_BUDGET = 12


def _rule(actor, name="Handle", tenant=None, **changes):
    fields = {
        "name": name,
        "tenant": tenant,
        "query": {"metrics": "stake_units", "grain": "day"},
        "window": 1,
        "reducer": "sum",
        "condition": "gt",
        "threshold": 5.0,
        "pending_seconds": 0,
        "interval_seconds": 60,
        "severity": "warning",
        **changes,
    }
    return alert_rule_create(actor=actor, **fields)


def _counts() -> tuple[int, int, int]:
    return AlertRule.objects.count(), AlertSilence.objects.count(), AuditEvent.objects.count()


def _pages(rule) -> list[str]:
    return [
        reverse("portal:analytics_alerts"),
        reverse("portal:analytics_alert", args=[rule.pk]),
        reverse("portal:analytics_alert_edit", args=[rule.pk]),
        CREATE,
        reverse("portal:analytics_silence_create") + f"?rule={rule.pk}",
        reverse("portal:analytics_insights"),
    ]


def test_every_alert_page_opens_for_officers_and_analysts_and_names_the_rule(officer_client, analyst_client, actor):
    rule = _rule(actor)
    for client in (officer_client, analyst_client):
        for path in _pages(rule):
            response = client.get(path)
            assert response.status_code == 200, path
    assert "Handle" in officer_client.get(reverse("portal:analytics_alerts")).content.decode()


def test_alert_pages_need_a_portal_role_and_a_verified_second_factor(portal_user, staff_user, actor):
    rule = _rule(actor)
    unverified = Client()
    unverified.force_login(portal_user(StaffRole.COMPLIANCE_OFFICER, username="half-signed-in"))
    ops = verified_client(staff_user(StaffRole.OPS, username="ops"))
    for path in _pages(rule):
        assert Client().get(path).status_code == 302, path
        assert unverified.get(path)["Location"].startswith(reverse("portal:login")), path
        assert ops.get(path).status_code == 403, path
    before = _counts()
    assert ops.post(CREATE, GOOD).status_code == 403
    assert (
        Client().post(reverse("portal:analytics_alert_enable", args=[rule.pk]), {"is_enabled": "0"}).status_code == 302
    )
    assert _counts() == before and AlertRule.objects.get(pk=rule.pk).is_enabled


def test_a_rule_made_through_the_form_is_saved_by_the_service_and_audited(analyst_client, analyst):
    response = analyst_client.post(CREATE, GOOD)

    rule = AlertRule.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("portal:analytics_alert", args=[rule.pk])
    assert rule.query == {"filter_bet_type": "parlay", "grain": "hour", "group_by": "league", "metrics": "stake_units"}
    assert (rule.tenant_id, rule.window, rule.threshold, rule.pending_seconds) == (None, 3, 50.0, 120)
    assert rule.targets == [
        {"kind": "email", "address": "oncall@dbsbm.test"},
        {"kind": "webhook", "url": "https://hooks.dbsbm.test/alerts"},
    ]
    event = AuditEvent.objects.get(action="analytics.alert_rule_created")
    assert (event.actor_label, event.target_id) == (analyst.username, str(rule.pk))
    page = analyst_client.get(response["Location"]).content.decode()
    assert "sum of stake_units over 3 hour(s) &gt; 50" in page
    assert "email: oncall@dbsbm.test · webhook: https://hooks.dbsbm.test/alerts" in page


@pytest.mark.parametrize(
    ("change", "names"),
    [
        ({"metric": "handle"}, ["Unknown metric handle", "stake_units", "units_net"]),
        ({"metric": "incidents_opened", "guild_id": "111111111111111111"}, ["incidents_opened", "stake_units"]),
        ({"grain": "minute"}, ["Unknown grain", "hour, day, week, month"]),
        ({"group_by": "colour"}, ["Unknown dimension colour", "league", "bet_type"]),
        ({"filters": "colour=red"}, ["Unknown dimension colour", "capper"]),
        ({"filters": "league"}, ["dimension=value"]),
        ({"metric": "parlay_share", "group_by": "bet_type"}, ["parlay_share cannot be split by bet_type"]),
        ({"window": "400"}, ["14 days"]),
        ({"condition": "outside"}, ["high end"]),
        ({"guild_id": "999999999999999999"}, ["No tenant with guild id 999999999999999999"]),
        ({"targets": "pager: 555-1234"}, ["Line 1", "Unknown target kind", "email"]),
        ({"targets": "webhook: ftp://hooks"}, ["Line 1", "http(s) URL"]),
        ({"threshold": "lots"}, ["Enter a number"]),
    ],
)
def test_a_bad_rule_shows_the_form_again_naming_what_is_allowed_and_writes_nothing(
    analyst_client, tenant, change, names
):
    before = _counts()

    response = analyst_client.post(CREATE, {**GOOD, **change})

    page = response.content.decode()
    assert response.status_code == 400
    assert all(name in page for name in names), [name for name in names if name not in page]
    assert "was not saved" in page
    assert _counts() == before


def test_editing_pausing_and_resuming_go_through_the_services(officer_client, actor):
    rule = _rule(actor)
    edit = reverse("portal:analytics_alert_edit", args=[rule.pk])
    form = officer_client.get(edit).context["form"]
    data = {**{name: "" if value is None else value for name, value in form.initial.items()}, "threshold": "12.5"}

    assert officer_client.post(edit, data).status_code == 302
    assert officer_client.post(edit, {**data, "metric": "nope"}).status_code == 400
    enable = reverse("portal:analytics_alert_enable", args=[rule.pk])
    assert officer_client.post(enable, {"is_enabled": "0"}).status_code == 302
    paused = AlertRule.objects.get(pk=rule.pk)
    assert (paused.threshold, paused.query["metrics"], paused.is_enabled) == (12.5, "stake_units", False)
    assert officer_client.post(enable, {"is_enabled": "1"}).status_code == 302
    assert AlertRule.objects.get(pk=rule.pk).is_enabled
    actions = list(AuditEvent.objects.filter(target_id=str(rule.pk)).values_list("action", flat=True).order_by("pk"))
    assert actions == [
        "analytics.alert_rule_created",
        "analytics.alert_rule_changed",
        "analytics.alert_rule_disabled",
        "analytics.alert_rule_enabled",
    ]


def test_a_silence_is_made_and_ended_from_the_pages(officer_client, officer, actor):
    rule = _rule(actor)
    before = _counts()
    refused = officer_client.post(reverse("portal:analytics_silence_create"), {"duration_minutes": "30", "comment": ""})
    assert refused.status_code == 400 and _counts() == before

    response = officer_client.post(
        reverse("portal:analytics_silence_create"),
        {"rule": str(rule.pk), "matchers": "league=nba", "duration_minutes": "30", "comment": "deploy"},
    )

    silence = AlertSilence.objects.get()
    assert response.status_code == 302
    assert (silence.rule_id, silence.matchers, silence.created_by, silence.comment) == (
        rule.pk, {"league": "nba"}, officer, "deploy",
    )  # fmt: skip
    assert silence.ends_at - silence.starts_at == timedelta(minutes=30)
    assert "deploy" in officer_client.get(reverse("portal:analytics_alerts")).content.decode()

    officer_client.post(reverse("portal:analytics_silence_expire", args=[silence.pk]))
    silence.refresh_from_db()
    assert silence.expired_at is not None and silence.expired_by_label == officer.username
    assert "deploy" not in officer_client.get(reverse("portal:analytics_alerts")).content.decode()


def test_insights_show_the_observed_value_and_the_expected_range(officer_client, tenant):
    Insight.objects.create(
        metric="stake_units", tenant=tenant, bucket="2026-11-20", observed=42.0, expected=10.0, expected_low=4.5,
        expected_high=15.5, z=9.1, confidence=0.99999, direction="above",
    )  # fmt: skip

    InsightScan.objects.create(
        metric="units_net", tenant=tenant, scanned_at=timezone.now(), scanned_through="2026-11-20", points=9,
        status="not_judged", reason="too short: 9 buckets, at least 21 needed (3 periods)",
    )  # fmt: skip

    page = officer_client.get(reverse("portal:analytics_insights")).content.decode()

    assert "2026-11-20" in page and "42.00" in page and "4.50 – 15.50" in page and "&gt; 99.99%" in page
    assert "units_net of Home Guild through 2026-11-20: too short: 9 buckets, at least 21 needed" in page


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(queries)


def test_the_alert_list_costs_the_same_for_few_and_many_rules_and_silences(officer_client, actor, tenant):
    path = reverse("portal:analytics_alerts")
    ends = timezone.now() + timedelta(hours=1)
    for number in range(2):
        rule = _rule(actor, name=f"rule {number}", tenant=tenant if number % 2 else None)
        alert_silence_create(actor=actor, rule=rule, ends_at=ends, comment="quiet")
    officer_client.get(path)  # the first page also caches the officer's unread badge (one count query, once)
    few = _queries(officer_client, path)
    for number in range(2, 12):
        rule = _rule(actor, name=f"rule {number}", tenant=tenant if number % 2 else None)
        alert_silence_create(actor=actor, rule=rule, ends_at=ends, comment="quiet")

    many = _queries(officer_client, path)

    assert many == few and many <= LIST_BUDGET, many


def test_the_rule_page_shows_its_series_history_and_silences(officer_client, actor, tenant):
    capper = make_capper(tenant=tenant, actor=actor, username="joe")
    place_stakes(tenant=tenant, actor=actor, capper=capper, stakes=["6.00"])
    rule = _rule(actor, tenant=tenant, query={"metrics": "stake_units", "grain": "day", "group_by": "capper"})
    alert_silence_create(actor=actor, rule=rule, ends_at=timezone.now() + timedelta(hours=1), comment="load test")
    alert_rule_evaluate(rule_id=rule.pk)

    page = officer_client.get(reverse("portal:analytics_alert", args=[rule.pk])).content.decode()

    assert f"capper={capper.pk}" in page and "firing" in page and "6.0000" in page
    assert "normal → firing" in page and "fired while silenced: not told" in page and "load test" in page
