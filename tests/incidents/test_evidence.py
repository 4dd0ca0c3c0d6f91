"""Evidence and its chain of custody (issue #13 item 5): every access appends a chained event that
re-verifies the file's hash; a tampered file is refused, recorded and alerted; a removed event breaks the
chain; an oversized upload writes nothing."""

import hashlib
from pathlib import Path

import pytest
from django.core.files.storage import default_storage

from apps.accounts.choices import StaffRole
from apps.audit.models import AuditEvent
from apps.core.errors import ApplicationError, PermissionDeniedError
from apps.incidents.choices import CustodyAction
from apps.incidents.models import CustodyEvent, Evidence, IncidentNotification, TimelineEntry
from apps.incidents.services.evidence import (
    GENESIS_HASH,
    EvidenceTamperedError,
    EvidenceTooLargeError,
    custody_chain,
    custody_event_hash,
    custody_verification,
    custody_verify,
    evidence_access,
    evidence_add,
)
from apps.notifications.choices import EventKind, Severity
from apps.notifications.models import Notification

pytestmark = pytest.mark.django_db

CONTENT = b"2026-12-07T09:00:01Z 203.0.113.9 POST /portal/login/ 401\n" * 20


@pytest.fixture
def analyst(staff_user, user_actor):
    user = staff_user(StaffRole.SECURITY_ANALYST)
    return user, user_actor(user)


@pytest.fixture
def evidence(declare, analyst):
    _, actor = analyst
    incident = declare()
    return evidence_add(
        incident=incident,
        actor=actor,
        kind="file",
        title="nginx access log",
        content=CONTENT,
        original_name="../../etc/access.log",
        content_type="text/plain",
        method="upload from the portal",
    )


def test_evidence_is_stored_with_its_hash_size_and_a_collected_event(evidence, analyst, _media_root):
    user, _ = analyst
    assert evidence.sha256 == hashlib.sha256(CONTENT).hexdigest()
    assert evidence.size == len(CONTENT)
    assert (evidence.collected_by, evidence.collected_by_label) == (user, user.username)
    assert evidence.collection_method == "upload from the portal"
    path = Path(default_storage.path(evidence.file.name))
    assert path.read_bytes() == CONTENT and str(path).startswith(str(_media_root))
    assert ".." not in evidence.file.name and path.name.endswith(".log")
    [event] = custody_chain(evidence=evidence)
    assert (event.sequence, event.action, event.previous_hash) == (1, CustodyAction.COLLECTED, GENESIS_HASH)
    assert event.hash_verified and event.observed_sha256 == evidence.sha256
    assert event.event_hash == custody_event_hash(event, evidence_sha256=evidence.sha256)
    assert AuditEvent.objects.filter(action="incidents.evidence_added", target_id=str(evidence.pk)).count() == 1
    assert custody_verify(evidence=evidence)


def test_each_access_appends_a_chained_event_and_the_chain_verifies(evidence, analyst):
    user, actor = analyst
    assert evidence_access(evidence=evidence, actor=actor, action="view", purpose="triage") == CONTENT
    assert evidence_access(evidence=evidence, actor=actor, action="download", purpose="analysis") == CONTENT
    assert evidence_access(evidence=evidence, actor=actor, action="export", purpose="case file") == CONTENT
    evidence_access(
        evidence=evidence, actor=actor, action="transfer", purpose="criminal complaint", recipient="Police, case 42"
    )
    chain = custody_chain(evidence=evidence)
    assert [event.action for event in chain] == ["collected", "viewed", "downloaded", "exported", "transferred"]
    assert [event.sequence for event in chain] == [1, 2, 3, 4, 5]
    for previous, event in zip(chain, chain[1:], strict=False):
        assert event.previous_hash == previous.event_hash
    assert chain[-1].recipient == "Police, case 42" and chain[-1].ip_address == "192.0.2.7"
    assert chain[-1].actor_user == user and chain[2].purpose == "analysis"
    evidence.refresh_from_db()
    assert evidence.custody_head_hash == chain[-1].event_hash
    assert custody_verify(evidence=evidence)
    assert AuditEvent.objects.filter(action="incidents.evidence_accessed", target_id=str(evidence.pk)).count() == 4


def test_a_tampered_file_is_refused_recorded_and_raises_a_critical_alert(evidence, analyst):
    _, actor = analyst
    Path(default_storage.path(evidence.file.name)).write_bytes(CONTENT + b"forged line\n")

    with pytest.raises(EvidenceTamperedError) as refused:
        evidence_access(evidence=evidence, actor=actor, action="download", purpose="analysis")

    assert refused.value.status_code == 409 and refused.value.code == "evidence_tampered"
    assert evidence.sha256 in refused.value.message
    last = custody_chain(evidence=evidence)[-1]
    assert (last.sequence, last.action, last.hash_verified) == (2, CustodyAction.REFUSED, False)
    assert last.observed_sha256 == hashlib.sha256(CONTENT + b"forged line\n").hexdigest()
    assert custody_verify(evidence=evidence)  # the refusal is itself a valid link of the chain
    [notification] = Notification.objects.filter(kind=EventKind.EVIDENCE_TAMPERED)
    assert notification.severity == Severity.CRITICAL
    assert notification.payload["evidence_id"] == evidence.pk
    assert notification.payload["observed_sha256"] == last.observed_sha256
    assert IncidentNotification.objects.filter(incident=evidence.incident, reason="evidence_tampered").count() == 1
    assert TimelineEntry.objects.filter(incident=evidence.incident, message__startswith="CRITICAL: evidence").exists()
    assert AuditEvent.objects.filter(action="incidents.evidence_refused", target_id=str(evidence.pk)).count() == 1


def test_a_deleted_file_is_refused_as_tampering(evidence, analyst):
    _, actor = analyst
    default_storage.delete(evidence.file.name)
    with pytest.raises(EvidenceTamperedError):
        evidence_access(evidence=evidence, actor=actor, action="view", purpose="triage")
    assert custody_chain(evidence=evidence)[-1].observed_sha256 == "missing"


def test_a_deleted_custody_event_breaks_verification(evidence, analyst):
    _, actor = analyst
    for purpose in ("one", "two", "three"):
        evidence_access(evidence=evidence, actor=actor, action="view", purpose=purpose)
    CustodyEvent.objects.filter(evidence=evidence, sequence=2).delete()

    result = custody_verification(evidence=evidence)

    assert not result.verified
    assert "event 2 is missing (the next one is #3)" in result.problems
    assert "event #3 does not follow the event before it" in result.problems


def test_a_deleted_last_custody_event_breaks_verification(evidence, analyst):
    _, actor = analyst
    evidence_access(evidence=evidence, actor=actor, action="view", purpose="triage")
    CustodyEvent.objects.filter(evidence=evidence, sequence=2).delete()
    assert not custody_verify(evidence=evidence)


def test_an_edited_custody_event_breaks_verification(evidence, analyst):
    _, actor = analyst
    evidence_access(evidence=evidence, actor=actor, action="view", purpose="triage")
    CustodyEvent.objects.filter(evidence=evidence, sequence=2).update(purpose="something innocent")
    assert custody_verification(evidence=evidence).problems == (
        "event #2 was altered (its hash does not match its fields)",
    )


def test_an_upload_over_the_size_limit_is_refused_and_writes_nothing(declare, analyst, settings, _media_root):
    _, actor = analyst
    settings.INCIDENT_EVIDENCE_MAX_BYTES = 100
    incident = declare()
    with pytest.raises(EvidenceTooLargeError) as refused:
        evidence_add(incident=incident, actor=actor, kind="file", title="big", content=b"x" * 101, method="upload")
    assert refused.value.status_code == 413 and "at most 100 bytes" in refused.value.message
    assert not Evidence.objects.exists() and not CustodyEvent.objects.exists()
    assert not any(path.is_file() for path in Path(_media_root).rglob("*"))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": " "}, "Evidence needs a title."),
        ({"content": b""}, "The file is empty"),
        ({"kind": "video"}, "Unknown evidence kind"),
        ({"method": ""}, "Say how the evidence was collected."),
    ],
)
def test_bad_evidence_is_refused_and_writes_nothing(declare, analyst, fields, message):
    _, actor = analyst
    values = {"kind": "file", "title": "log", "content": CONTENT, "method": "upload", **fields}
    with pytest.raises(ApplicationError, match=message):
        evidence_add(incident=declare(), actor=actor, **values)
    assert not Evidence.objects.exists()


@pytest.mark.parametrize(
    ("action", "purpose", "recipient", "message"),
    [
        ("view", "  ", "", "Say why"),
        ("transfer", "court", "", "names the party"),
        ("delete", "x", "", "Unknown access"),
    ],
)
def test_bad_access_is_refused_and_writes_nothing(evidence, analyst, action, purpose, recipient, message):
    _, actor = analyst
    with pytest.raises(ApplicationError, match=message):
        evidence_access(evidence=evidence, actor=actor, action=action, purpose=purpose, recipient=recipient)
    assert CustodyEvent.objects.filter(evidence=evidence).count() == 1


def test_staff_without_the_evidence_permission_may_not_read_it(evidence, staff_user, user_actor):
    support = staff_user(StaffRole.SUPPORT)
    with pytest.raises(PermissionDeniedError, match="incidents.access_evidence"):
        evidence_access(evidence=evidence, actor=user_actor(support), action="view", purpose="curious")
    assert CustodyEvent.objects.filter(evidence=evidence).count() == 1


def test_a_compliance_officer_may_read_evidence(evidence, staff_user, user_actor):
    officer = staff_user(StaffRole.COMPLIANCE_OFFICER)
    assert evidence_access(evidence=evidence, actor=user_actor(officer), action="view", purpose="DPA") == CONTENT
