"""Alert rules: checked when saved (a bad query names what is allowed, nothing is written), and evaluated
with a clock the test drives (no sleeps): normal → pending → firing → resolved on real bets placed through
the betting services, told by e-mail to the local SMTP server and by a signed webhook to a local HTTP
server, once per firing; silences mute the telling, not the states."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.analytics.models import AlertInstance, AlertRule, AlertSilence, AlertStateChange
from apps.analytics.services.alerting import (
    alert_rule_set_enabled,
    alert_rule_update,
    alert_silence_create,
    alert_silence_expire,
)
from apps.analytics.services.alerting_evaluation import alert_rule_evaluate, alert_rules_dispatch_due
from apps.audit.models import AuditEvent
from apps.core.beat import declared_schedules
from apps.core.errors import ApplicationError
from dbsbm.celery import app as celery_app
from tests.analytics.alerting_data import RULE, WebhookReceiver, make_capper, make_rule, place_stakes

pytestmark = pytest.mark.django_db

EMAIL = [{"kind": "email", "address": "oncall@dbsbm.test"}]


@pytest.fixture
def day() -> datetime:
    """Noon (UTC, the tenant's zone) three days ago: the bets' day, the clock's start."""
    today = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    return today - timedelta(days=3)


@pytest.fixture
def six_units(tenant, actor, day):
    """6 units staked on `day` (the rules below fire above 5)."""
    capper = make_capper(tenant=tenant, actor=actor, username="joe")
    place_stakes(tenant=tenant, actor=actor, capper=capper, stakes=["2.50", "3.50"], at=day)
    return capper


def _evaluate(capture, rule, at):
    with capture(execute=True):  # the deliveries are sent after commit, as in production
        return alert_rule_evaluate(rule_id=rule.pk, now=at)


def _states(rule) -> list[tuple[str, str]]:
    return [(row.from_state, row.to_state) for row in AlertStateChange.objects.filter(rule=rule).order_by("at", "pk")]


@pytest.mark.parametrize(
    ("change", "field", "names"),
    [
        ({"query": {"metrics": "handle"}}, "query.metrics", ["handle", "stake_units", "units_net"]),
        ({"query": {"metrics": "stake_units", "grain": "minute"}}, "query.grain", ["minute", "hour", "day"]),
        ({"query": {"metrics": "active_cappers", "group_by": "capper"}}, "query.group_by", ["capper", "league"]),
        ({"query": {"metrics": "roi", "filter_colour": "red"}}, "query.filter", ["colour", "league", "bet_type"]),
        ({"query": {"metrics": "roi,stake_units"}}, "query.metrics", ["one metric"]),
        ({"query": {"metrics": "roi", "from": "2026-01-01"}}, "query.metrics", ["from", "group_by", "window"]),
        ({"query": {"metrics": "incidents_opened"}}, "query.metrics", ["incidents_opened"]),  # platform-only
        ({"query": {"metrics": "roi", "grain": "hour"}, "window": 400}, "window", ["14 days"]),
        ({"condition": "outside", "threshold": 5.0}, "threshold_high", ["high end"]),
        ({"condition": "above"}, "condition", ["gt", "outside"]),
        ({"reducer": "median"}, "reducer", ["last", "mean"]),
        ({"pending_seconds": -1}, "pending_seconds", ["0 to"]),
        ({"interval_seconds": 5}, "interval_seconds", ["10 to"]),
        ({"targets": [{"kind": "webhook", "url": "ftp://x"}]}, "targets[0].url", ["http(s) URL"]),
        ({"targets": [{"kind": "pager", "to": "x"}]}, "targets[0].kind", ["email", "webhook"]),
    ],
)
def test_a_bad_rule_is_refused_naming_what_is_allowed_and_nothing_is_written(tenant, actor, change, field, names):
    before = AuditEvent.objects.count()

    with pytest.raises(ApplicationError) as refused:
        make_rule(actor=actor, tenant=tenant, **{"targets": EMAIL, **change})

    message = " ".join(refused.value.fields[field])
    assert all(name in message for name in names), message
    assert not AlertRule.objects.exists() and AuditEvent.objects.count() == before


def test_a_rule_is_stored_without_dates_and_audited(tenant, actor):
    rule = make_rule(actor=actor, tenant=tenant, targets=EMAIL, query={"metrics": "stake_units", "grain": "hour",
                     "filter_bet_type": "single"}, window=3, reducer="mean")  # fmt: skip

    assert rule.query == {"filter_bet_type": "single", "grain": "hour", "metrics": "stake_units"}
    assert rule.condition_text == "mean of stake_units over 3 hour(s) > 5"
    event = AuditEvent.objects.get(action="analytics.alert_rule_created")
    assert (event.target_id, event.guild_id, event.changes["threshold"]["after"]) == (
        str(rule.pk),
        tenant.guild_id,
        5.0,
    )
    with pytest.raises(ApplicationError, match="already has an alert rule named"):
        make_rule(actor=actor, tenant=tenant, targets=EMAIL)


def test_the_pending_period_is_respected_then_it_fires_once_and_resolution_is_told(
    tenant, actor, day, six_units, smtp_server, httpserver, django_capture_on_commit_callbacks
):
    hook = WebhookReceiver(httpserver)
    rule = make_rule(actor=actor, tenant=tenant, targets=[*EMAIL, {"kind": "webhook", "url": hook.url}])
    hook.learn_secret()
    start = day + timedelta(minutes=30)

    _evaluate(django_capture_on_commit_callbacks, rule, start)
    instance = AlertInstance.objects.get(rule=rule)
    assert (instance.state, instance.value, instance.pending_since) == ("pending", 6.0, start)

    _evaluate(django_capture_on_commit_callbacks, rule, start + timedelta(seconds=59))
    assert AlertInstance.objects.get(rule=rule).state == "pending" and smtp_server.mails == []

    _evaluate(django_capture_on_commit_callbacks, rule, start + timedelta(seconds=60))
    _evaluate(django_capture_on_commit_callbacks, rule, start + timedelta(seconds=90))  # still firing: told once
    instance.refresh_from_db()
    assert (instance.state, instance.firing_since) == ("firing", start + timedelta(seconds=60))
    assert [mail.message["Subject"] for mail in smtp_server.mails] == ["[DBSBM alert] FIRING CRITICAL: Handle spike"]
    body = smtp_server.mails[0].message.get_body(preferencelist=("plain",)).get_content()
    assert "sum of stake_units over 1 day(s) > 5" in body and "6.00 units" in body
    assert [(payload["type"], payload["data"]["value"]) for payload in hook.received] == [
        ("analytics_alert_firing", 6.0)
    ]

    _evaluate(django_capture_on_commit_callbacks, rule, day + timedelta(days=1))  # a new day: nothing staked yet
    instance.refresh_from_db()
    assert (instance.state, instance.value) == ("resolved", 0.0)
    assert smtp_server.mails[-1].message["Subject"] == "[DBSBM alert] RESOLVED: Handle spike"
    assert [payload["type"] for payload in hook.received] == ["analytics_alert_firing", "analytics_alert_resolved"]
    assert hook.refused == 0 and smtp_server.mails[0].recipients == ["oncall@dbsbm.test"]
    assert _states(rule) == [("normal", "pending"), ("pending", "firing"), ("firing", "resolved")]
    assert AuditEvent.objects.filter(action="analytics.alert_state_changed").count() == 3


def test_a_pending_alert_whose_condition_stops_goes_back_to_normal_untold(
    tenant, actor, day, six_units, smtp_server, django_capture_on_commit_callbacks
):
    rule = make_rule(actor=actor, tenant=tenant, targets=EMAIL, pending_seconds=300)
    _evaluate(django_capture_on_commit_callbacks, rule, day)
    _evaluate(django_capture_on_commit_callbacks, rule, day + timedelta(days=1))

    assert AlertInstance.objects.get(rule=rule).state == "normal"
    assert _states(rule) == [("normal", "pending"), ("pending", "normal")] and smtp_server.mails == []


def test_a_silence_mutes_the_firing_and_it_is_told_once_the_silence_ends(
    tenant, actor, day, six_units, smtp_server, django_capture_on_commit_callbacks
):
    rule = make_rule(actor=actor, tenant=tenant, targets=EMAIL, pending_seconds=0)
    silence = alert_silence_create(
        actor=actor, rule=rule, starts_at=day, ends_at=day + timedelta(hours=1), comment="planned load test", now=day
    )

    _evaluate(django_capture_on_commit_callbacks, rule, day + timedelta(minutes=1))
    _evaluate(django_capture_on_commit_callbacks, rule, day + timedelta(minutes=2))
    assert AlertInstance.objects.get(rule=rule).state == "firing" and smtp_server.mails == []
    muted = AlertStateChange.objects.get(rule=rule)
    assert (muted.to_state, muted.silenced_by_id, muted.notification_id) == ("firing", silence.pk, None)

    alert_silence_expire(silence=silence, actor=actor, now=day + timedelta(minutes=3))
    _evaluate(django_capture_on_commit_callbacks, rule, day + timedelta(minutes=4))

    assert [mail.message["Subject"] for mail in smtp_server.mails] == ["[DBSBM alert] FIRING CRITICAL: Handle spike"]
    assert AuditEvent.objects.filter(action="analytics.alert_silence_expired", target_id=str(silence.pk)).exists()


def test_a_firing_silenced_to_its_end_resolves_without_a_word(
    tenant, actor, day, six_units, smtp_server, django_capture_on_commit_callbacks
):
    rule = make_rule(actor=actor, tenant=tenant, targets=EMAIL, pending_seconds=0)
    alert_silence_create(actor=actor, matchers={"alertname": "Handle spike"}, starts_at=day,
                         ends_at=day + timedelta(days=2), comment="known cause", now=day)  # fmt: skip

    _evaluate(django_capture_on_commit_callbacks, rule, day + timedelta(minutes=1))
    _evaluate(django_capture_on_commit_callbacks, rule, day + timedelta(days=1))

    assert AlertInstance.objects.get(rule=rule).state == "resolved" and smtp_server.mails == []
    assert _states(rule) == [("normal", "firing"), ("firing", "resolved")]


def test_a_matcher_silences_only_the_series_it_names(
    tenant, actor, day, six_units, smtp_server, django_capture_on_commit_callbacks
):
    ann = make_capper(tenant=tenant, actor=actor, username="ann")
    place_stakes(tenant=tenant, actor=actor, capper=ann, stakes=["4.00", "4.00"], at=day)
    rule = make_rule(actor=actor, tenant=tenant, targets=EMAIL, pending_seconds=0,
                     query={"metrics": "stake_units", "grain": "day", "group_by": "capper"})  # fmt: skip
    alert_silence_create(actor=actor, matchers={"capper": str(six_units.pk)}, starts_at=day,
                         ends_at=day + timedelta(hours=1), comment="joe is testing", now=day)  # fmt: skip

    _evaluate(django_capture_on_commit_callbacks, rule, day + timedelta(minutes=1))

    states = dict(AlertInstance.objects.filter(rule=rule).values_list("series_key", "state"))
    assert states == {f"capper={six_units.pk}": "firing", f"capper={ann.pk}": "firing"}
    assert [mail.message["Subject"] for mail in smtp_server.mails] == [
        f"[DBSBM alert] FIRING CRITICAL: Handle spike (capper={ann.pk})"
    ]


def test_pausing_a_firing_rule_resolves_and_tells_and_stops_evaluating(
    tenant, actor, day, six_units, smtp_server, django_capture_on_commit_callbacks
):
    rule = make_rule(actor=actor, tenant=tenant, targets=EMAIL, pending_seconds=0)
    _evaluate(django_capture_on_commit_callbacks, rule, day + timedelta(minutes=1))

    with django_capture_on_commit_callbacks(execute=True):
        alert_rule_set_enabled(rule=rule, actor=actor, is_enabled=False, now=day + timedelta(minutes=2))

    assert AlertInstance.objects.get(rule=rule).state == "resolved"
    assert [mail.message["Subject"].split(":")[0] for mail in smtp_server.mails] == [
        "[DBSBM alert] FIRING CRITICAL",
        "[DBSBM alert] RESOLVED",
    ]
    assert alert_rule_evaluate(rule_id=rule.pk, now=day + timedelta(minutes=3)) == []
    assert AuditEvent.objects.filter(action="analytics.alert_rule_disabled").count() == 1


def test_a_query_that_no_longer_checks_leaves_the_states_and_says_why(tenant, actor, day, six_units):
    rule = make_rule(actor=actor, tenant=tenant, targets=EMAIL, pending_seconds=0)
    alert_rule_evaluate(rule_id=rule.pk, now=day + timedelta(minutes=1))
    AlertRule.objects.filter(pk=rule.pk).update(query={"metrics": "retired_metric"})  # as if removed from metrics.py

    alert_rule_evaluate(rule_id=rule.pk, now=day + timedelta(minutes=2))

    rule.refresh_from_db()
    assert "Unknown metric retired_metric" in rule.last_error
    assert AlertInstance.objects.get(rule=rule).state == "firing"


def test_an_update_is_checked_like_a_creation_and_audited_with_its_changes(tenant, actor):
    rule = make_rule(actor=actor, tenant=tenant, targets=EMAIL)

    with pytest.raises(ApplicationError) as refused:
        alert_rule_update(rule=rule, actor=actor, query={"metrics": "nope"})
    assert "stake_units" in refused.value.fields["query.metrics"][0]

    alert_rule_update(rule=rule, actor=actor, threshold=7.5, condition="gte")
    rule.refresh_from_db()
    assert (rule.threshold, rule.condition, rule.query) == (7.5, "gte", RULE["query"])
    event = AuditEvent.objects.get(action="analytics.alert_rule_changed")
    assert event.changes == {"condition": {"before": "gt", "after": "gte"}, "threshold": {"before": 5.0, "after": 7.5}}


def test_a_silence_needs_a_reason_a_target_and_a_future_end(actor, tenant):
    now = datetime.now(UTC)
    with pytest.raises(ApplicationError) as refused:
        alert_silence_create(actor=actor, matchers={}, ends_at=now - timedelta(minutes=1), comment=" ")
    assert set(refused.value.fields) == {"matchers", "comment", "ends_at"}
    assert not AlertSilence.objects.exists()


def test_beat_declares_the_sweeps_and_their_tasks_exist():
    entries = {entry["name"]: entry for entry in declared_schedules()}
    assert entries["analytics: evaluate due alert rules"]["every_seconds"] <= 10
    assert entries["analytics: daily anomaly insights"]["every_seconds"] <= 3600
    assert {entry["task"] for name, entry in entries.items() if name.startswith("analytics:")} <= set(celery_app.tasks)


def test_the_sweep_claims_each_due_rule_once_per_interval_and_evaluates_it(
    tenant, actor, six_units, django_capture_on_commit_callbacks
):
    rule = make_rule(actor=actor, tenant=tenant, targets=EMAIL, name="tenant rule")
    platform = make_rule(actor=actor, tenant=None, targets=EMAIL, name="platform rule")
    paused = make_rule(actor=actor, tenant=tenant, targets=EMAIL, name="paused rule")
    alert_rule_set_enabled(rule=paused, actor=actor, is_enabled=False)
    now = datetime.now(UTC)

    with django_capture_on_commit_callbacks(execute=True):  # the evaluations run as tasks, after commit
        claimed = alert_rules_dispatch_due(now=now)

    assert sorted(claimed) == sorted([rule.pk, platform.pk])
    assert AlertRule.objects.get(pk=rule.pk).next_evaluation_at == now + timedelta(seconds=30)
    assert set(AlertInstance.objects.values_list("rule_id", flat=True)) == {rule.pk, platform.pk}
    assert alert_rules_dispatch_due(now=now + timedelta(seconds=29)) == []
    assert sorted(alert_rules_dispatch_due(now=now + timedelta(seconds=30))) == sorted(claimed)
