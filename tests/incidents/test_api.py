"""The incidents API with a platform key holding incidents:read and incidents:write: declaring, reading,
changing, moving and the timeline; bad input is a 4xx in the error shape and writes nothing."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.incidents.models import Incident, RegulatoryClock
from apps.incidents.services.incidents import incident_declare, incident_transition
from tests.api.snapshots import snapshot_diff, take_snapshot
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/incidents/"


@pytest.fixture
def client(make_key, client_with_key):
    _, secret = make_key(["incidents:read", "incidents:write"], name="responders")
    return client_with_key(secret)


@pytest.fixture
def unchanged():
    """Asserts, after the test, that the database is as it was when the fixture was taken."""
    before = take_snapshot()
    yield
    assert snapshot_diff(before, take_snapshot()) == {}


def test_post_declares_an_incident(client, tenant, make_policy):
    policy = make_policy(levels=[(60, [{"kind": "webhook", "url": "http://127.0.0.1:9/hook"}])])

    response = client.post(
        BASE,
        {
            "title": "Logins from a botnet",
            "kind": "credential_stuffing",
            "severity": "high",
            "personal_data_involved": True,
            "escalation_policy": policy.pk,
            "guild_id": tenant.guild_id,
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    incident = Incident.objects.get()
    assert body["id"] == incident.pk
    assert body["reference"] == f"INC-{incident.pk}"
    assert (body["title"], body["kind"], body["severity"], body["status"]) == (
        "Logins from a botnet",
        "credential_stuffing",
        "high",
        "new",
    )
    assert (body["guild_id"], body["personal_data_involved"], body["escalation_policy"]) == (
        tenant.guild_id,
        True,
        policy.pk,
    )
    assert body["escalation_level"] == incident.escalation_level
    assert body["acknowledged_at"] is None
    assert body["owner"] is None and body["assignees"] == []
    assert body["links"] == {"security_alerts": [], "fraud_cases": [], "check_runs": [], "audit_events": []}
    assert body["clocks"] == [
        {"regulation": clock.regulation, "due_at": clock.due_at.isoformat().replace("+00:00", "Z"), "status": "running"}
        for clock in incident.clocks.all()
    ]
    assert incident.escalation_levels[0]["targets"] == [{"kind": "webhook", "url": "http://127.0.0.1:9/hook"}]
    event = AuditEvent.objects.get(action="incidents.declared")
    assert event.actor_kind == "api_key"


def test_the_incident_shows_its_clocks_and_links(client, make_incident):
    incident = make_incident(severity="medium")  # no clock of its own (NIS2's early warning is for high and up)
    due = timezone.now() + timedelta(hours=72)
    RegulatoryClock.objects.create(
        incident=incident, regulation="gdpr-art-33", name="GDPR Art. 33", started_at=timezone.now(), due_at=due
    )
    declared = AuditEvent.objects.get(action="incidents.declared")
    incident.audit_events.add(declared)

    body = client.get(f"{BASE}{incident.pk}/").json()

    assert body["clocks"] == [
        {"regulation": "gdpr-art-33", "due_at": due.isoformat().replace("+00:00", "Z"), "status": "running"}
    ]
    assert body["links"]["audit_events"] == [declared.pk]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": "X", "kind": "meteor", "severity": "high"}, "kind"),
        ({"title": "X", "kind": "other", "severity": "extreme"}, "severity"),
        ({"title": "X", "kind": "other", "severity": "low", "escalation_policy": 424242}, "escalation_policy"),
        ({"title": "X", "kind": "other", "severity": "low", "escalation_policy": "1"}, "escalation_policy"),
        ({"title": "X", "kind": "other", "severity": "low", "guild_id": "999999999999999999"}, "guild_id"),
        ({"kind": "other", "severity": "low"}, "title"),
        ({"title": "X", "kind": "other", "severity": "low", "colour": "red"}, "colour"),
    ],
)
def test_a_bad_declaration_is_a_400_naming_the_field_and_writes_nothing(client, unchanged, payload, field):
    response = client.post(BASE, payload, format="json")

    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert field in body["fields"]
    assert body["message"]


def test_list_filters_and_costs_the_same_for_few_and_many(client, make_incident, tenant):
    make_incident(severity="low", kind="bot_abuse")
    make_incident(severity="critical", guild_id=tenant.guild_id)

    assert [row["severity"] for row in client.get(BASE).json()["results"]] == ["critical", "low"]
    assert [row["kind"] for row in client.get(f"{BASE}?kind=bot_abuse").json()["results"]] == ["bot_abuse"]
    assert len(client.get(f"{BASE}?severity=critical").json()["results"]) == 1
    assert len(client.get(f"{BASE}?guild_id={tenant.guild_id}").json()["results"]) == 1
    assert len(client.get(f"{BASE}?status=closed").json()["results"]) == 0
    assert client.get(f"{BASE}?status=asleep").status_code == 400

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(BASE).status_code == 200
        return len(captured)

    few = queries()
    responder = UserFactory(username="many-responder")
    for number in range(15):
        incident = make_incident(title=f"Incident {number}", owner=responder)
        incident.assignees.add(responder)
        RegulatoryClock.objects.create(
            incident=incident, regulation="nis2", name="NIS2", started_at=timezone.now(), due_at=timezone.now()
        )
    assert queries() == few


def test_patch_changes_fields_owner_and_assignees(client, make_incident, responder):
    incident = make_incident()
    other = UserFactory(username="second")

    response = client.patch(
        f"{BASE}{incident.pk}/",
        {
            "severity": "critical",
            "owner": "responder",
            "assignees": ["responder", "second"],
            "affected_systems": ["api"],
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["severity"], body["owner"], body["assignees"], body["affected_systems"]) == (
        "critical",
        "responder",
        ["responder", "second"],
        ["api"],
    )
    assert set(incident.assignees.all()) == {responder, other}
    assert AuditEvent.objects.filter(action="incidents.updated").count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, None),  # nothing to change
        ({"owner": "nobody-by-this-name"}, "owner"),
        ({"assignees": ["nobody-by-this-name"]}, "assignees"),
        ({"severity": "high"}, None),  # the current value: nothing to change
        ({"status": "closed"}, "status"),
        ({"severity": "mega"}, "severity"),
    ],
)
def test_a_bad_patch_is_a_400_and_writes_nothing(client, make_incident, payload, field):
    incident = make_incident()
    before = take_snapshot()

    response = client.patch(f"{BASE}{incident.pk}/", payload, format="json")

    assert response.status_code == 400, response.content
    assert response.json()["message"]
    if field is not None:
        assert field in response.json()["fields"]
    assert snapshot_diff(before, take_snapshot()) == {}


def test_transition_moves_along_the_path(client, make_incident):
    incident = make_incident()

    response = client.post(f"{BASE}{incident.pk}/transition/", {"status": "triaged"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "triaged"
    assert response.json()["triaged_at"] is not None


def test_skipping_states_without_a_reason_is_a_400_and_writes_nothing(client, make_incident):
    incident = make_incident()
    before = take_snapshot()

    response = client.post(f"{BASE}{incident.pk}/transition/", {"status": "closed"}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "reason_required"
    assert "skips triaged, contained, eradicated, recovered" in body["message"]
    assert body["fields"] == {"reason": ["Required when states are skipped."]}
    assert snapshot_diff(before, take_snapshot()) == {}


def test_skipping_states_with_a_reason_closes(client, make_incident):
    incident = make_incident()

    response = client.post(
        f"{BASE}{incident.pk}/transition/", {"status": "closed", "reason": "false positive"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "closed"
    assert AuditEvent.objects.get(action="incidents.status_changed").reason == "false positive"


def test_timeline_lists_every_line_oldest_first(client, make_incident, actor):
    incident = make_incident()
    incident_transition(incident=incident, actor=actor, status="triaged")

    response = client.get(f"{BASE}{incident.pk}/timeline/")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["kind"] for row in rows] == ["opened", "clock", "status_changed"]  # clock: NIS2's, it is high
    assert rows[2]["data"] == {"from": "new", "to": "triaged", "reason": ""}
    assert rows[2]["actor_label"] == "test"


@pytest.mark.parametrize("path", ["999999/", "999999/timeline/"])
def test_an_unknown_incident_is_a_404(client, path):
    response = client.get(f"{BASE}{path}")

    assert response.status_code == 404
    assert response.json()["code"] == "incident_not_found"


def test_an_unknown_incident_cannot_be_moved(client, unchanged):
    response = client.post(f"{BASE}999999/transition/", {"status": "triaged"}, format="json")

    assert response.status_code == 404


def test_a_declared_incident_reads_back_the_same(client, actor):
    incident = incident_declare(actor=actor, title="Read me", kind="other", severity="medium")

    listed = client.get(BASE).json()["results"][0]
    shown = client.get(f"{BASE}{incident.pk}/").json()

    assert listed == shown
