"""The security API: platform keys only, `security:read` to read, `security:write` to triage (audited)."""

import json
from datetime import datetime

import pytest

from apps.audit.models import AuditEvent
from apps.security.choices import AlertStatus
from apps.security.models import Alert, AlertActivity, SecurityEvent

pytestmark = pytest.mark.django_db

ALERTS = "/api/v1/security/alerts/"
EVENTS = "/api/v1/security/events/"
START = datetime.fromisoformat("2026-11-30T14:00:00+00:00")


@pytest.fixture
def alert(record_stream):
    record_stream(START, [{"type": "login_failed", "username": "alice", "ip": "203.0.113.7", "repeat": 5, "every": 5}])
    return Alert.objects.get()


@pytest.fixture
def reader(make_key, client_with_key):
    _, secret = make_key(["security:read"])
    return client_with_key(secret)


@pytest.fixture
def writer(make_key, client_with_key):
    api_key, secret = make_key(["security:read", "security:write"], name="siem")
    client = client_with_key(secret)
    client.api_key = api_key
    return client


def _patch(client, path, body):
    return client.patch(path, json.dumps(body), content_type="application/json")


def _state():
    return (
        list(Alert.objects.values("pk", "status", "assignee_id")),
        AlertActivity.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.mark.parametrize(
    ("credential", "method", "status", "code"),
    [
        ("none", "GET", 401, "not_authenticated"),
        ("none", "PATCH", 401, "not_authenticated"),
        ("tenant", "GET", 403, "permission_denied"),
        ("platform_without_scope", "GET", 403, "permission_denied"),
        ("reader", "PATCH", 403, "permission_denied"),
    ],
)
def test_who_may_not_call_the_alerts_api(
    alert, make_key, make_legacy_key, client_with_key, tenant, credential, method, status, code
):
    secret = None
    if credential == "tenant":
        _, secret = make_legacy_key(["security:read", "security:write"], tenant=tenant)
    elif credential == "platform_without_scope":
        _, secret = make_key(["audit:read"])
    elif credential == "reader":
        _, secret = make_key(["security:read"])
    client = client_with_key(secret)
    before = _state()

    if method == "GET":
        response = client.get(f"{ALERTS}{alert.pk}/")
    else:
        response = _patch(client, f"{ALERTS}{alert.pk}/", {"status": "acknowledged"})

    assert (response.status_code, response.json()["code"]) == (status, code)
    assert _state() == before


def test_an_unknown_alert_is_not_found(reader):
    response = reader.get(f"{ALERTS}999999/")

    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_alerts_are_listed_with_their_evidence_and_filtered(alert, reader, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        response = reader.get(ALERTS, {"status": "new", "severity": "high", "rule": "brute-force-per-user"})

    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert row["rule"] == "brute-force-per-user"
    assert row["rule_version"] == 1
    assert row["compliance_requirements"] == ["pci_dss:10.2.4", "pci_dss:8.3.4", "soc2:CC6.1", "soc2:CC7.2"]
    assert row["event_ids"] == list(alert.events.order_by("occurred_at").values_list("pk", flat=True))
    assert row["details"]["measure"] == 5
    assert [entry["action"] for entry in row["history"]] == ["raised"]
    assert reader.get(ALERTS, {"status": "resolved"}).json()["results"] == []
    assert reader.get(ALERTS, {"rule": "api-key-abuse"}).json()["results"] == []
    assert reader.get(ALERTS, {"severity": "bogus"}).status_code == 400


def test_triage_changes_status_assignee_and_notes_and_is_audited(alert, writer, staff_user):
    analyst = staff_user("security_analyst", username="ana")

    response = _patch(
        writer, f"{ALERTS}{alert.pk}/", {"status": "acknowledged", "assignee": "ana", "note": "looking into it"}
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["assignee"]) == ("acknowledged", "ana")
    assert [entry["action"] for entry in body["history"]] == ["raised", "status_changed", "assigned", "noted"]
    alert.refresh_from_db()
    assert (alert.status, alert.assignee) == (AlertStatus.ACKNOWLEDGED, analyst)
    event = AuditEvent.objects.get(action="security.alert_triaged")
    assert (event.actor_kind, event.actor_label, event.target_id) == ("api_key", writer.api_key.prefix, str(alert.pk))
    assert event.changes == {
        "status": {"before": "new", "after": "acknowledged"},
        "assignee": {"before": None, "after": "ana"},
    }
    assert event.reason == "looking into it"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "resolved", "extra": 1}, "extra"),
        ({"status": "nope"}, "status"),
        ({"assignee": 5}, "assignee"),
        ({"assignee": "nobody"}, "assignee"),
        ({"status": "new"}, None),  # nothing changes: refused
    ],
)
def test_bad_triage_is_refused_and_changes_nothing(alert, writer, staff_user, body, field):
    staff_user("support", username="sam")
    before = _state()

    response = _patch(writer, f"{ALERTS}{alert.pk}/", body)

    assert response.status_code == 400
    if field:
        assert field in response.json()["fields"]
    assert _state() == before


def test_an_assignee_who_cannot_triage_is_refused(alert, writer, staff_user):
    staff_user("support", username="sam")
    before = _state()

    response = _patch(writer, f"{ALERTS}{alert.pk}/", {"assignee": "sam"})

    assert (response.status_code, response.json()["code"]) == (400, "invalid_assignee")
    assert _state() == before


def test_a_status_can_only_move_along_the_allowed_transitions(alert, writer):
    assert _patch(writer, f"{ALERTS}{alert.pk}/", {"status": "resolved"}).status_code == 200

    response = _patch(writer, f"{ALERTS}{alert.pk}/", {"status": "dismissed"})

    assert (response.status_code, response.json()["code"]) == (400, "invalid_transition")
    assert _patch(writer, f"{ALERTS}{alert.pk}/", {"status": "acknowledged", "note": "reopened"}).status_code == 200


def test_events_are_listed_and_filtered(alert, reader):
    everything = reader.get(EVENTS).json()["results"]
    failed = reader.get(EVENTS, {"type": "login_failed", "ip": "203.0.113.7", "actor": "alice"}).json()["results"]

    assert len(failed) == 5
    assert {row["type"] for row in failed} == {"login_failed"}
    assert {row["details"]["username"] for row in failed} == {"alice"}
    assert len(everything) == SecurityEvent.objects.count()
    assert reader.get(EVENTS, {"since": "2026-11-30T14:00:21Z", "type": "login_failed"}).json()["results"] == []
    assert reader.get(EVENTS, {"ip": "not-an-ip"}).status_code == 400
    assert reader.get(EVENTS, {"type": "bogus"}).status_code == 400
