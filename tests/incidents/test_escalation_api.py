"""The escalation API refuses bad policies with a message per field and writes nothing; acknowledging twice
is a conflict; an unknown incident is a 404."""

import copy

import pytest

from apps.accounts.choices import ApiScope
from apps.audit.models import AuditEvent
from apps.incidents.models import EscalationLevel, EscalationPolicy
from apps.notifications.models import WebhookEndpoint

pytestmark = pytest.mark.django_db

POLICIES = "/api/v1/incidents/escalation-policies/"
GOOD = {
    "name": "on-call",
    "critical_start_level": 2,
    "levels": [
        {"level": 1, "ack_timeout_seconds": 60, "targets": [{"kind": "role", "role": "security_analyst"}]},
        {"level": 2, "ack_timeout_seconds": 60, "targets": [{"kind": "webhook", "url": "https://hooks.dbsbm.test/a"}]},
    ],
}


@pytest.fixture
def platform(make_key, client_with_key):
    _, secret = make_key(ApiScope.values)
    return client_with_key(secret)


def _with(path: str, value):
    body = copy.deepcopy(GOOD)
    target = body
    *parents, last = path.split(".")
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return body


BAD = [
    ("level_out_of_range", _with("levels.1.level", 5), "levels[1].level"),
    ("level_zero", _with("levels.0.level", 0), "levels[0].level"),
    ("duplicate_levels", _with("levels.1.level", 1), "levels"),
    ("gap", _with("levels.1.level", 3), "levels"),
    ("timeout_zero", _with("levels.0.ack_timeout_seconds", 0), "levels[0].ack_timeout_seconds"),
    ("timeout_text", _with("levels.0.ack_timeout_seconds", "60"), "levels[0].ack_timeout_seconds"),
    ("unknown_role", _with("levels.0.targets.0", {"kind": "role", "role": "janitor"}), "levels[0].targets[0].role"),
    ("unknown_user", _with("levels.0.targets.0", {"kind": "user", "user_id": 999999}), "levels[0].targets[0].user_id"),
    ("bad_url", _with("levels.1.targets.0", {"kind": "webhook", "url": "not a url"}), "levels[1].targets[0].url"),
    ("ftp_url", _with("levels.1.targets.0", {"kind": "discord", "url": "ftp://x.test/a"}), "levels[1].targets[0].url"),
    ("bad_email", _with("levels.0.targets.0", {"kind": "email", "address": "nobody"}), "levels[0].targets[0].address"),
    ("unknown_kind", _with("levels.0.targets.0", {"kind": "pager"}), "levels[0].targets[0].kind"),
    ("no_targets", _with("levels.0.targets", []), "levels[0].targets"),
    ("critical_start_missing_level", _with("critical_start_level", 4), "critical_start_level"),
    ("no_levels", _with("levels", []), "levels"),
    ("blank_name", _with("name", ""), "name"),
    ("unknown_field", _with("owner", "me"), "owner"),
]


@pytest.mark.parametrize(("body", "field"), [pytest.param(body, field, id=name) for name, body, field in BAD])
def test_a_bad_policy_is_refused_with_its_field_and_nothing_is_written(platform, body, field):
    events = AuditEvent.objects.count()

    response = platform.post(POLICIES, body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()["fields"], response.json()
    assert all(message for message in response.json()["fields"][field])
    assert (EscalationPolicy.objects.count(), EscalationLevel.objects.count()) == (0, 0)
    assert (WebhookEndpoint.objects.count(), AuditEvent.objects.count() - events) == (0, 0)


def test_a_good_policy_is_created_and_a_duplicate_name_refused(platform):
    created = platform.post(POLICIES, GOOD, format="json")
    again = platform.post(POLICIES, GOOD, format="json")

    assert created.status_code == 201, created.content
    assert created.json()["critical_start_level"] == 2
    assert (again.status_code, list(again.json()["fields"])) == (400, ["name"])
    assert EscalationPolicy.objects.count() == 1
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret.startswith("whsec_") and not endpoint.subscribed


def test_a_new_default_policy_takes_the_place_of_the_old_one(platform):
    first = platform.post(POLICIES, {**GOOD, "is_default": True}, format="json")
    second = platform.post(POLICIES, {**GOOD, "name": "other", "is_default": True}, format="json")

    assert (first.status_code, second.status_code) == (201, 201)
    assert list(EscalationPolicy.objects.filter(is_default=True).values_list("name", flat=True)) == ["other"]


def test_acknowledging_twice_is_a_conflict_and_an_unknown_incident_is_not_found(platform, make_policy, open_incident):
    policy = make_policy(
        [{"level": 1, "ack_timeout_seconds": 60, "targets": [{"kind": "email", "address": "a@b.test"}]}]
    )
    incident = open_incident(policy=policy)

    first = platform.post(f"/api/v1/incidents/{incident.pk}/acknowledge/")
    second = platform.post(f"/api/v1/incidents/{incident.pk}/acknowledge/")
    missing = platform.post("/api/v1/incidents/999999/acknowledge/")
    missing_list = platform.get("/api/v1/incidents/999999/notifications/")

    assert first.status_code == 200 and first.json()["escalation_level"] == 1
    assert (second.status_code, second.json()["code"]) == (409, "already_acknowledged")
    assert (missing.status_code, missing_list.status_code) == (404, 404)
    assert AuditEvent.objects.filter(action="incidents.acknowledged").count() == 1
