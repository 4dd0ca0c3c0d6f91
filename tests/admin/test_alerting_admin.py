"""The alert rule and silence admin pages write through the analytics services: the same checks as the
portal (a bad query names what is allowed, nothing is written), one audit event per change."""

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.analytics.models import AlertRule, AlertSilence
from apps.audit.models import AuditEvent
from tests.admin.helpers import action_data

pytestmark = pytest.mark.django_db

ADD_RULE = reverse("admin:analytics_alertrule_add")
RULE = {
    "name": "Handle",
    "description": "",
    "tenant": "",
    "query": '{"metrics": "stake_units", "grain": "day"}',
    "window": "1",
    "reducer": "sum",
    "condition": "gt",
    "threshold": "5",
    "threshold_high": "",
    "pending_seconds": "0",
    "interval_seconds": "60",
    "severity": "warning",
    "targets": '[{"kind": "email", "address": "oncall@example.org"}]',
    "is_enabled": "on",
    "instances-TOTAL_FORMS": "0",
    "instances-INITIAL_FORMS": "0",
}


def test_a_rule_added_in_the_admin_is_created_by_the_service(superuser_client):
    response = superuser_client.post(ADD_RULE, RULE)

    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    rule = AlertRule.objects.get()
    assert (rule.query, rule.created_by_label) == ({"grain": "day", "metrics": "stake_units"}, "root")
    assert AuditEvent.objects.filter(action="analytics.alert_rule_created", target_id=str(rule.pk)).count() == 1

    change = reverse("admin:analytics_alertrule_change", args=[rule.pk])
    assert superuser_client.post(change, {**RULE, "threshold": "9"}).status_code == 302
    assert AlertRule.objects.get().threshold == 9.0
    assert AuditEvent.objects.filter(action="analytics.alert_rule_changed").count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"query": '{"metrics": "handle"}'}, "Unknown metric handle: allowed are active_cappers"),
        ({"query": '{"metrics": "roi", "group_by": "colour"}'}, "Unknown dimension colour"),
        ({"targets": '[{"kind": "webhook", "url": "nope"}]'}, "is not an http(s) URL"),
        ({"condition": "outside"}, "high end"),
    ],
)
def test_a_bad_rule_is_refused_in_the_admin_and_nothing_is_written(superuser_client, change, message):
    before = AuditEvent.objects.count()

    response = superuser_client.post(ADD_RULE, {**RULE, **change})

    assert response.status_code == 200 and message in response.content.decode()
    assert not AlertRule.objects.exists() and AuditEvent.objects.count() == before


def test_a_silence_is_added_and_ended_through_the_service(superuser_client, superuser):
    now = timezone.now().replace(microsecond=0)
    add = reverse("admin:analytics_alertsilence_add")
    form = {
        "rule": "",
        "matchers": '{"severity": "critical"}',
        "starts_at_0": now.date().isoformat(),
        "starts_at_1": now.time().isoformat(),
        "ends_at_0": (now.date()).isoformat(),
        "ends_at_1": "23:59:59",
        "comment": "release night",
    }

    assert superuser_client.post(add, form).status_code == 302
    silence = AlertSilence.objects.get()
    assert (silence.matchers, silence.created_by, silence.comment) == (
        {"severity": "critical"},
        superuser,
        "release night",
    )

    changelist = reverse("admin:analytics_alertsilence_changelist")
    superuser_client.post(changelist, action_data("expire_silences", silence))
    silence.refresh_from_db()
    assert silence.expired_at is not None
    assert AuditEvent.objects.filter(action="analytics.alert_silence_expired").count() == 1
