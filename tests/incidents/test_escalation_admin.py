"""The escalation policy admin checks levels with the API's rules and shows the webhook signing secrets."""

import json

import pytest
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.incidents.models import EscalationLevel, EscalationPolicy
from apps.notifications.models import WebhookEndpoint
from tests.second_factor import verified_client

pytestmark = pytest.mark.django_db

ADD = reverse("admin:incidents_escalationpolicy_add")


def _form(levels, **fields) -> dict:
    data = {
        "name": "admin policy",
        "description": "",
        "critical_start_level": "1",
        "levels-TOTAL_FORMS": str(len(levels)),
        "levels-INITIAL_FORMS": "0",
        "levels-MIN_NUM_FORMS": "0",
        "levels-MAX_NUM_FORMS": "1000",
        **fields,
    }
    for index, (level, timeout, targets) in enumerate(levels):
        data[f"levels-{index}-level"] = str(level)
        data[f"levels-{index}-ack_timeout_seconds"] = str(timeout)
        data[f"levels-{index}-targets"] = json.dumps(targets)
    return data


@pytest.fixture
def admin_client(staff_user):
    return verified_client(staff_user("superuser", username="root", is_staff=True))


WEBHOOK = [{"kind": "webhook", "url": "https://pager.dbsbm.test/hook"}]


def test_a_policy_saved_in_the_admin_gets_its_levels_its_endpoint_and_an_audit_event(admin_client):
    response = admin_client.post(ADD, _form([(1, 60, WEBHOOK), (2, 120, [{"kind": "role", "role": "ops"}])]))

    assert response.status_code == 302, response.context and response.context["inline_admin_formsets"]
    policy = EscalationPolicy.objects.get()
    assert list(policy.levels.values_list("level", "ack_timeout_seconds")) == [(1, 60), (2, 120)]
    endpoint = WebhookEndpoint.objects.get(url="https://pager.dbsbm.test/hook")
    page = admin_client.get(reverse("admin:incidents_escalationpolicy_change", args=[policy.pk]))
    assert endpoint.secret in page.content.decode()
    assert AuditEvent.objects.filter(action="incidents.escalation_policy_created").count() == 1


@pytest.mark.parametrize(
    ("levels", "fields", "message"),
    [
        ([(1, 60, WEBHOOK), (1, 60, WEBHOOK)], {}, "duplicate"),
        ([(1, 60, WEBHOOK), (3, 60, WEBHOOK)], {}, "without a gap"),
        ([(1, 60, [{"kind": "role", "role": "janitor"}])], {}, "Unknown staff role"),
        ([(1, 60, [{"kind": "webhook", "url": "nope"}])], {}, "not an http(s) URL"),
        ([(1, 60, WEBHOOK)], {"critical_start_level": "2"}, "no level 2"),
    ],
    ids=["duplicate", "gap", "unknown_role", "bad_url", "critical_start"],
)
def test_bad_levels_are_refused_in_the_admin_and_nothing_is_written(admin_client, levels, fields, message):
    response = admin_client.post(ADD, _form(levels, **fields))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert (EscalationPolicy.objects.count(), EscalationLevel.objects.count(), WebhookEndpoint.objects.count()) == (
        0,
        0,
        0,
    )
