"""Declaring, changing, moving, noting and linking incidents: each change writes its audit event and timeline
line; each refusal is a 4xx ApplicationError and writes nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.core.errors import ApplicationError
from apps.incidents.models import Incident, TimelineEntry
from apps.incidents.services.incidents import (
    incident_declare,
    incident_link,
    incident_note,
    incident_transition,
    incident_update,
)
from apps.incidents.signals import incident_opened, incident_status_changed, incident_updated
from apps.security.models import Alert, DetectionRule
from tests.api.snapshots import snapshot_diff, take_snapshot
from tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    """Records the incident signals sent during the test: [(name, kwargs), ...]."""
    calls = []
    handlers = {}
    for name, signal in (
        ("opened", incident_opened),
        ("updated", incident_updated),
        ("status_changed", incident_status_changed),
    ):
        handlers[name] = lambda sender, name=name, **kwargs: calls.append((name, kwargs))
        signal.connect(handlers[name], dispatch_uid=f"test.{name}")
    yield calls
    for name, signal in (
        ("opened", incident_opened),
        ("updated", incident_updated),
        ("status_changed", incident_status_changed),
    ):
        signal.disconnect(dispatch_uid=f"test.{name}")


def _alert(**overrides) -> Alert:
    rule = DetectionRule.objects.get(slug="brute-force-per-user")
    now = timezone.now()
    values = {
        "rule": rule,
        "rule_version": 1,
        "title": "Brute force on alice",
        "severity": "high",
        "dedup_key": "brute-force-per-user:alice",
        "group_key": "alice",
        "first_seen_at": now,
        "last_seen_at": now,
        **overrides,
    }
    return Alert.objects.create(**values)


def test_declare_writes_the_incident_its_audit_event_timeline_line_and_signal(actor, tenant, received):
    incident = incident_declare(
        actor=actor,
        title="  Credential stuffing on the portal ",
        kind="credential_stuffing",
        severity="critical",
        personal_data_involved=True,
        guild_id=tenant.guild_id,
        affected_systems=["portal", "api", "portal"],
    )

    incident.refresh_from_db()
    assert (incident.title, incident.kind, incident.severity, incident.status) == (
        "Credential stuffing on the portal",
        "credential_stuffing",
        "critical",
        "new",
    )
    assert incident.affected_systems == ["api", "portal"]
    assert list(incident.affected_tenants.all()) == [tenant]
    assert incident.declared_by_label == "test"
    assert incident.detected_at == incident.aware_at
    event = AuditEvent.objects.get(action="incidents.declared")
    assert event.target_id == str(incident.pk)
    assert event.changes["severity"] == {"before": None, "after": "critical"}
    entry = TimelineEntry.objects.get(incident=incident, kind="opened")
    assert entry.kind == "opened"
    assert "critical credential stuffing" in entry.message
    assert [name for name, _ in received] == ["opened"]
    assert received[0][1]["incident"] == incident


def test_declare_copies_the_given_policy_levels_so_later_edits_change_nothing(actor, make_policy):
    policy = make_policy(levels=[(60, [{"kind": "role", "role": "security_analyst"}]), (120, [])])

    incident = incident_declare(actor=actor, title="X", kind="other", severity="low", escalation_policy=policy.pk)
    policy.levels.filter(level=1).update(ack_timeout_seconds=999)

    incident.refresh_from_db()
    assert incident.escalation_policy == policy
    assert incident.escalation_levels == [
        {"level": 1, "ack_timeout_seconds": 60, "targets": [{"kind": "role", "role": "security_analyst"}]},
        {"level": 2, "ack_timeout_seconds": 120, "targets": []},
    ]


def test_declare_without_a_policy_takes_the_default_one(actor, make_policy):
    make_policy(name="Other")
    default = make_policy(name="Default", is_default=True)

    incident = incident_declare(actor=actor, title="X", kind="other", severity="low")

    assert incident.escalation_policy == default
    assert [level["level"] for level in incident.escalation_levels] == [1]


def test_declare_is_detected_at_its_earliest_linked_event(actor):
    earlier = timezone.now() - timedelta(hours=3)
    alert = _alert(first_seen_at=earlier, last_seen_at=earlier + timedelta(minutes=5))

    incident = incident_declare(actor=actor, title="X", kind="other", severity="low", security_alerts=[alert.pk])

    assert incident.detected_at == earlier
    assert list(incident.security_alerts.all()) == [alert]
    assert incident.detected_at < incident.aware_at


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"kind": "alien_invasion"}, "invalid_kind", "kind"),
        ({"severity": "apocalyptic"}, "invalid_severity", "severity"),
        ({"escalation_policy": 987654}, "unknown_escalation_policy", "escalation_policy"),
        ({"guild_id": "999999999999999999"}, "unknown_guild", "guild_id"),
        ({"title": "   "}, "invalid_title", "title"),
        ({"security_alerts": [987654]}, "unknown_link", "security_alerts"),
    ],
)
def test_bad_declarations_are_refused_and_write_nothing(actor, overrides, code, field):
    before = take_snapshot()
    values = {"title": "X", "kind": "other", "severity": "low", **overrides}

    with pytest.raises(ApplicationError) as refused:
        incident_declare(actor=actor, **values)

    assert refused.value.status_code == 400
    assert refused.value.code == code
    assert field in refused.value.fields
    assert snapshot_diff(before, take_snapshot()) == {}


def test_update_changes_fields_with_audit_and_timeline(make_incident, actor, responder, received):
    incident = make_incident()
    member = MemberFactory()

    incident_update(
        incident=incident,
        actor=actor,
        severity="critical",
        owner=responder,
        assignees=[responder],
        affected_members=[member],
    )

    incident.refresh_from_db()
    assert incident.severity == "critical"
    assert incident.owner == responder
    assert list(incident.assignees.all()) == [responder]
    assert list(incident.affected_members.all()) == [member]
    event = AuditEvent.objects.get(action="incidents.updated")
    assert event.changes["severity"] == {"before": "high", "after": "critical"}
    assert event.changes["owner"] == {"before": None, "after": "responder"}
    entry = incident.timeline.get(kind="updated")
    assert "severity: high -> critical" in entry.message
    assert received[-1][0] == "updated"
    assert set(received[-1][1]["changes"]) == {"severity", "owner", "assignees", "affected_members"}


def test_an_owner_change_alone_is_an_assignment_line(make_incident, actor, responder):
    incident = make_incident()

    incident_update(incident=incident, actor=actor, owner=responder)

    assert incident.timeline.filter(kind="assigned").count() == 1


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"severity": "high"}, "no_change"),
        ({"status": "closed"}, "invalid_field"),
        ({"severity": "huge"}, "invalid_severity"),
        ({"guild_id": "999999999999999999"}, "unknown_guild"),
        ({"affected_systems": "api"}, "invalid_affected_systems"),
    ],
)
def test_bad_updates_are_refused_and_change_nothing(make_incident, actor, fields, code):
    incident = make_incident()
    before = take_snapshot()

    with pytest.raises(ApplicationError) as refused:
        incident_update(incident=incident, actor=actor, **fields)

    assert refused.value.code == code
    assert snapshot_diff(before, take_snapshot()) == {}


def test_a_non_staff_owner_is_refused(make_incident, actor):
    incident = make_incident()
    outsider = UserFactory(username="outsider", is_staff=False)

    with pytest.raises(ApplicationError) as refused:
        incident_update(incident=incident, actor=actor, owner=outsider)

    assert refused.value.code == "invalid_owner"
    incident.refresh_from_db()
    assert incident.owner is None


def test_the_whole_path_stamps_each_first_arrival(make_incident, actor, received):
    incident = make_incident()

    for status in ("triaged", "contained", "eradicated", "recovered", "closed"):
        incident = incident_transition(incident=incident, actor=actor, status=status)

    incident.refresh_from_db()
    assert incident.status == "closed"
    assert incident.triaged_at <= incident.contained_at <= incident.eradicated_at <= incident.recovered_at
    assert incident.closed_at >= incident.recovered_at
    assert AuditEvent.objects.filter(action="incidents.status_changed").count() == 5
    assert list(incident.timeline.filter(kind="status_changed").values_list("data__to", flat=True)) == [
        "triaged",
        "contained",
        "eradicated",
        "recovered",
        "closed",
    ]
    assert [kwargs["to_status"] for name, kwargs in received if name == "status_changed"][-1] == "closed"


def test_skipping_states_with_a_reason_is_allowed_and_recorded(make_incident, actor):
    incident = make_incident()

    incident = incident_transition(incident=incident, actor=actor, status="contained", reason="blocked at once")

    assert incident.status == "contained"
    assert incident.triaged_at is None
    assert incident.contained_at is not None
    assert AuditEvent.objects.get(action="incidents.status_changed").reason == "blocked at once"
    assert incident.timeline.get(kind="status_changed").message == "Status new -> contained: blocked at once"


@pytest.mark.parametrize(
    ("path", "status", "reason", "code"),
    [
        ([], "contained", "", "reason_required"),
        ([], "closed", "  ", "reason_required"),
        (["triaged", "contained"], "triaged", "oops", "invalid_transition"),
        (["triaged"], "new", "", "invalid_transition"),
        (["triaged"], "reopened", "why not", "invalid_transition"),
        (["triaged"], "triaged", "", "no_change"),
        (["triaged"], "paused", "", "invalid_status"),
        (["triaged", "contained", "eradicated", "recovered", "closed"], "reopened", "", "reason_required"),
        (["triaged", "contained", "eradicated", "recovered", "closed"], "triaged", "again", "invalid_transition"),
    ],
)
def test_refused_transitions_change_nothing(make_incident, actor, path, status, reason, code):
    incident = make_incident()
    for step in path:
        incident = incident_transition(incident=incident, actor=actor, status=step)
    before = take_snapshot()

    with pytest.raises(ApplicationError) as refused:
        incident_transition(incident=incident, actor=actor, status=status, reason=reason)

    assert refused.value.status_code == 400
    assert refused.value.code == code
    assert refused.value.message
    assert snapshot_diff(before, take_snapshot()) == {}


def test_reopening_counts_and_goes_on_from_triaged(make_incident, actor):
    incident = make_incident()
    for step in ("triaged", "contained", "eradicated", "recovered", "closed"):
        incident = incident_transition(incident=incident, actor=actor, status=step)
    first_triaged = incident.triaged_at

    incident = incident_transition(incident=incident, actor=actor, status="reopened", reason="attacker came back")

    assert (incident.status, incident.reopened_count, incident.closed_at) == ("reopened", 1, None)
    with pytest.raises(ApplicationError):
        incident_transition(incident=incident, actor=actor, status="contained")
    incident = incident_transition(incident=incident, actor=actor, status="triaged")
    assert incident.triaged_at == first_triaged
    incident = incident_transition(incident=incident, actor=actor, status="closed", reason="fixed for good")
    assert incident.closed_at is not None
    assert incident.reopened_count == 1


def test_a_note_is_a_timeline_line_with_an_audit_event(make_incident, responder_actor):
    incident = make_incident()

    entry = incident_note(incident=incident, actor=responder_actor, text="  Called the tenant's owner. ")

    assert (entry.kind, entry.message, entry.actor_label) == ("note", "Called the tenant's owner.", "responder")
    assert AuditEvent.objects.get(action="incidents.noted").changes == {
        "timeline_entry": {"before": None, "after": entry.pk}
    }


@pytest.mark.parametrize("text", ["", "   ", "x" * 501])
def test_an_empty_or_long_note_is_refused(make_incident, actor, text):
    incident = make_incident()
    before = take_snapshot()

    with pytest.raises(ApplicationError):
        incident_note(incident=incident, actor=actor, text=text)

    assert snapshot_diff(before, take_snapshot()) == {}


def test_linking_adds_rows_moves_detection_earlier_and_refuses_repeats(make_incident, actor):
    incident = make_incident()
    earlier = incident.detected_at - timedelta(hours=1)
    alert = _alert(first_seen_at=earlier, last_seen_at=earlier)
    audit_event = AuditEvent.objects.get(action="incidents.declared")

    incident = incident_link(incident=incident, actor=actor, security_alerts=[alert], audit_events=[audit_event.pk])

    incident.refresh_from_db()
    assert list(incident.security_alerts.all()) == [alert]
    assert list(incident.audit_events.all()) == [audit_event]
    assert incident.detected_at == earlier
    linked = AuditEvent.objects.get(action="incidents.linked")
    assert linked.changes["security_alerts"] == {"before": None, "after": [alert.pk]}
    assert incident.timeline.filter(kind="linked").count() == 1
    before = take_snapshot()
    with pytest.raises(ApplicationError) as refused:
        incident_link(incident=incident, actor=actor, security_alerts=[alert])
    assert refused.value.code == "no_change"
    assert snapshot_diff(before, take_snapshot()) == {}


def test_incident_reference(make_incident):
    incident = make_incident()

    assert incident.reference == f"INC-{incident.pk}"
    assert Incident.objects.get(pk=incident.pk).reference == incident.reference
