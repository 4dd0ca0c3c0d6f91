"""Security in the admin: alerts triaged through the service (history and audit), rules versioned,
events read-only, and who may see what."""

import json
from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.security.choices import AlertStatus
from apps.security.models import Alert, DetectionRule, SecurityEvent
from tests.admin.helpers import action_data, form_data
from tests.second_factor import verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def alert(record_stream):
    start = datetime.fromisoformat("2026-11-30T14:00:00+00:00")
    record_stream(start, [{"type": "login_failed", "username": "alice", "ip": "203.0.113.7", "repeat": 5, "every": 5}])
    return Alert.objects.get()


def _form(page, **changes) -> dict:
    """The change form's data plus the management data of its read-only inlines (history, versions)."""
    data = form_data(page, **changes)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update({f"{formset.prefix}-{name}": value for name, value in formset.management_form.initial.items()})
        for form in formset.initial_forms:
            data[form.add_prefix(formset.model._meta.pk.name)] = str(form.instance.pk)
            data[form.add_prefix(formset.fk.name)] = str(formset.instance.pk)
    return data


def _client(user) -> Client:
    return verified_client(user)


def test_an_analyst_acknowledges_alerts_with_an_action_and_it_is_audited(alert, staff_user):
    analyst = staff_user("security_analyst", username="ana")

    response = _client(analyst).post(
        reverse("admin:security_alert_changelist"), action_data("acknowledge_selected", alert)
    )

    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED
    event = AuditEvent.objects.get(action="security.alert_triaged")
    assert (event.actor_kind, event.actor_label) == ("user", "ana")
    assert event.changes == {"status": {"before": "new", "after": "acknowledged"}}
    assert list(alert.activities.values_list("action", flat=True)) == ["raised", "status_changed"]


def test_an_analyst_triages_on_the_change_page(alert, staff_user):
    analyst = staff_user("security_analyst", username="ana")
    client = _client(analyst)
    url = reverse("admin:security_alert_change", args=[alert.pk])
    page = client.get(url)
    assert page.status_code == 200

    response = client.post(url, _form(page, assignee=str(analyst.pk), new_status="resolved", note="reset"))

    assert response.status_code == 302
    alert.refresh_from_db()
    assert (alert.status, alert.assignee) == (AlertStatus.RESOLVED, analyst)
    event = AuditEvent.objects.get(action="security.alert_triaged")
    assert event.reason == "reset"
    assert event.changes["assignee"] == {"before": None, "after": "ana"}


def test_a_compliance_officer_sees_alerts_but_cannot_triage(alert, staff_user):
    officer = staff_user("compliance_officer", username="cora")
    client = _client(officer)

    assert client.get(reverse("admin:security_alert_change", args=[alert.pk])).status_code == 200
    assert client.get(reverse("admin:security_securityevent_changelist")).status_code == 200
    client.post(reverse("admin:security_alert_changelist"), action_data("dismiss_selected", alert))

    alert.refresh_from_db()
    assert alert.status == AlertStatus.NEW
    assert not AuditEvent.objects.filter(action="security.alert_triaged").exists()


def test_support_staff_see_no_security_pages(alert, staff_user):
    client = _client(staff_user("support", username="sam"))

    assert client.get(reverse("admin:security_alert_changelist")).status_code == 403
    assert client.get(reverse("admin:security_securityevent_changelist")).status_code == 403


def test_editing_a_rule_in_the_admin_creates_a_version(staff_user):
    root = staff_user("superuser", username="root")
    client = _client(root)
    rule = DetectionRule.objects.get(slug="api-key-abuse")
    url = reverse("admin:security_detectionrule_change", args=[rule.pk])
    page = client.get(url)
    definition = {**rule.definition, "threshold": 20}

    response = client.post(url, _form(page, definition=json.dumps(definition), reason="too noisy"))

    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.version, rule.definition["threshold"], rule.updated_by) == (2, 20, "root")
    assert list(rule.versions.values_list("version", "reason")) == [(2, "too noisy"), (1, "shipped default")]
    assert AuditEvent.objects.get(action="security.detection_rule_changed").actor_label == "root"


def test_an_invalid_rule_edit_is_refused_with_a_message(staff_user):
    client = _client(staff_user("superuser", username="root"))
    rule = DetectionRule.objects.get(slug="api-key-abuse")
    url = reverse("admin:security_detectionrule_change", args=[rule.pk])
    page = client.get(url)

    response = client.post(url, _form(page, definition=json.dumps({"event_types": []})), follow=True)

    assert "event_types" in " ".join(str(message) for message in response.context["messages"])
    rule.refresh_from_db()
    assert rule.version == 1


def test_events_are_read_only_in_the_admin(alert, staff_user):
    client = _client(staff_user("superuser", username="root"))
    event = SecurityEvent.objects.first()

    assert client.get(reverse("admin:security_securityevent_add")).status_code == 403
    response = client.post(reverse("admin:security_securityevent_change", args=[event.pk]), {"risk_score": "0"})

    assert response.status_code == 403
