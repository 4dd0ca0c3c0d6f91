"""POST/GET /api/v1/privacy/requests/ and the workflow actions: happy paths, refusals, nothing written on 4xx."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.core.actors import Actor
from apps.privacy.choices import ConsentAction, RequestKind, RequestStatus
from apps.privacy.models import DataSubjectRequest, DataSubjectRequestEvent
from apps.privacy.services.consent import consent_record
from apps.privacy.services.requests import request_receive, request_reject
from apps.privacy.signals import data_subject_request_changed
from tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


URL = "/api/v1/privacy/requests/"
MEMBER_ID = "712345678900000099"
ACTOR = Actor.system("api test")


@pytest.fixture
def member(tenant):
    return MemberFactory(tenant=tenant, discord_user_id=MEMBER_ID, username="requester")


@pytest.fixture
def received(privacy_client, member, tenant):
    def _receive(kind="access", **extra):
        body = {"guild_id": tenant.guild_id, "discord_user_id": MEMBER_ID, "kind": kind, **extra}
        response = privacy_client.post(URL, body, format="json")
        assert response.status_code == 201, response.json()
        return response.json()

    return _receive


@pytest.fixture
def signals():
    sent = []

    def _receiver(sender, **kwargs):
        sent.append(kwargs)

    data_subject_request_changed.connect(_receiver, dispatch_uid="test-dsr-signal")
    yield sent
    data_subject_request_changed.disconnect(dispatch_uid="test-dsr-signal")


def test_a_request_is_received_with_a_due_date_thirty_days_later(
    privacy_client, member, tenant, signals, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = privacy_client.post(
            URL, {"guild_id": tenant.guild_id, "discord_user_id": MEMBER_ID, "kind": "erasure"}, format="json"
        )

    assert response.status_code == 201
    body = response.json()
    dsr = DataSubjectRequest.objects.get(pk=body["id"])
    assert body["status"] == "received" and body["kind"] == "erasure"
    assert body["guild_id"] == tenant.guild_id and body["discord_user_id"] == MEMBER_ID
    assert dsr.due_at - dsr.received_at == timedelta(days=30)
    assert body["verification"] is None and body["assignee"] is None and body["is_overdue"] is False
    assert list(dsr.history.values_list("action", flat=True)) == ["received"]
    event = AuditEvent.objects.get(action="privacy.request_received")
    assert event.target_id == str(dsr.pk) and MEMBER_ID not in str(event.changes) + event.target_label
    assert signals == [
        {
            "signal": data_subject_request_changed,
            "request_id": dsr.pk,
            "guild_id": tenant.guild_id,
            "kind": "erasure",
            "status": "received",
            "change": "received",
            "due_at": dsr.due_at,
            "is_overdue": False,
        }
    ]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"guild_id": "999999999999999999", "discord_user_id": MEMBER_ID, "kind": "access"}, 404, "tenant_not_found"),
        ({"guild_id": "{guild}", "discord_user_id": "799999999999999999", "kind": "erasure"}, 404, "member_not_found"),
        ({"guild_id": "{guild}", "discord_user_id": MEMBER_ID, "kind": "forget-me"}, 400, "invalid"),
        ({"guild_id": "{guild}", "discord_user_id": 712345678900000099, "kind": "access"}, 400, "invalid"),
        ({"guild_id": "{guild}", "discord_user_id": "12ab", "kind": "access"}, 400, "invalid"),
        ({"guild_id": "{guild}", "discord_user_id": MEMBER_ID}, 400, "invalid"),
        ({"guild_id": "{guild}", "discord_user_id": MEMBER_ID, "kind": "access", "why": "x"}, 400, "invalid"),
        ({"guild_id": "{guild}", "discord_user_id": MEMBER_ID, "kind": "access", "details": "x"}, 400, "invalid"),
        ({"guild_id": "{guild}", "discord_user_id": MEMBER_ID, "kind": "rectification"}, 400, "invalid"),
        (
            {"guild_id": "{guild}", "discord_user_id": MEMBER_ID, "kind": "rectification",
             "details": {"changes": {"tenant": "x"}}},
            400,
            "invalid",
        ),
    ],
)  # fmt: skip
def test_bad_or_unknown_input_is_refused_and_writes_nothing(privacy_client, member, tenant, body, status, code):
    body = {
        key: value.format(guild=tenant.guild_id) if isinstance(value, str) else value for key, value in body.items()
    }
    audit_before = AuditEvent.objects.count()

    response = privacy_client.post(URL, body, format="json")

    assert response.status_code == status, response.json()
    assert response.json()["code"] == code and response.json()["message"]
    assert DataSubjectRequest.objects.count() == 0
    assert AuditEvent.objects.count() == audit_before


@pytest.mark.parametrize(
    ("scopes", "tenant_key", "status"),
    [
        (["privacy:read"], False, 403),
        (["privacy:read", "privacy:write"], True, 403),
        (["members:write"], False, 403),
    ],
)
def test_keys_without_the_scope_or_tied_to_a_tenant_are_refused(
    make_key, make_legacy_key, client_with_key, member, tenant, scopes, tenant_key, status
):
    _, secret = make_legacy_key(scopes, tenant=tenant) if tenant_key else make_key(scopes)
    body = {"guild_id": tenant.guild_id, "discord_user_id": MEMBER_ID, "kind": "access"}

    response = client_with_key(secret).post(URL, body, format="json")

    assert response.status_code == status
    assert DataSubjectRequest.objects.count() == 0


def test_no_key_is_a_401(client_with_key):
    assert client_with_key(None).get(URL).status_code == 401


def test_list_and_detail_and_filters(privacy_client, received, make_key, client_with_key):
    access, erasure = received("access"), received("erasure")

    listed = privacy_client.get(URL).json()["results"]
    filtered = privacy_client.get(URL, {"kind": "erasure"}).json()["results"]
    detail = privacy_client.get(f"{URL}{access['id']}/")
    read_only = client_with_key(make_key(["privacy:read"])[1]).get(f"{URL}{erasure['id']}/")

    assert [row["id"] for row in listed] == [erasure["id"], access["id"]]
    assert [row["id"] for row in filtered] == [erasure["id"]]
    assert detail.status_code == 200 and detail.json() == access
    assert read_only.status_code == 200
    assert privacy_client.get(f"{URL}999999/").status_code == 404


def test_processing_is_refused_before_the_identity_is_verified(privacy_client, received):
    dsr = received("access")

    response = privacy_client.post(f"{URL}{dsr['id']}/complete/", {}, format="json")

    assert response.status_code == 409 and response.json()["code"] == "identity_not_verified"
    assert DataSubjectRequest.objects.get(pk=dsr["id"]).status == RequestStatus.RECEIVED


def test_the_workflow_verify_assign_complete_records_who_did_what(
    privacy_client, received, privacy_key, export_dir, signals, django_capture_on_commit_callbacks
):
    dsr = received("access")
    UserFactory(username="dpo")
    base = f"{URL}{dsr['id']}"

    with django_capture_on_commit_callbacks(execute=True):
        started = privacy_client.post(f"{base}/start-verification/", {"note": "DM sent"}, format="json")
        verified = privacy_client.post(f"{base}/verify/", {"method": "discord_dm", "note": "answered"}, format="json")
        assigned = privacy_client.post(f"{base}/assign/", {"assignee": "dpo"}, format="json")
        completed = privacy_client.post(f"{base}/complete/", {"resolution": "sent"}, format="json")

    assert started.json()["status"] == "identity_verification"
    assert verified.json()["status"] == "in_progress"
    assert verified.json()["verification"]["method"] == "discord_dm"
    assert verified.json()["verification"]["verified_by"] == privacy_key[0].prefix
    assert assigned.json()["assignee"] == "dpo"
    body = completed.json()
    assert completed.status_code == 200 and body["status"] == "completed" and body["resolution"] == "sent"
    assert body["export"]["download_url"] == f"{base}/export/"
    assert [(sent["change"], sent["status"]) for sent in signals] == [
        ("status_changed", "identity_verification"),
        ("verified", "in_progress"),
        ("assigned", "in_progress"),
        ("status_changed", "completed"),
    ]
    history = DataSubjectRequestEvent.objects.filter(request_id=dsr["id"]).order_by("id")
    assert list(history.values_list("action", "to_status")) == [
        ("received", "received"),
        ("status_changed", "identity_verification"),
        ("verified", ""),
        ("status_changed", "in_progress"),
        ("assigned", ""),
        ("exported", ""),
        ("status_changed", "completed"),
    ]
    assert set(AuditEvent.objects.filter(target_id=str(dsr["id"]), target_type="privacy.datasubjectrequest")
               .values_list("action", flat=True)) == {
        "privacy.request_received", "privacy.request_verification_started", "privacy.request_identity_verified",
        "privacy.request_assigned", "privacy.request_completed",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("action", "body", "status", "code"),
    [
        ("verify", {"method": "telepathy"}, 400, "invalid"),
        ("assign", {"assignee": "nobody-here"}, 400, "unknown_assignee"),
        ("reject", {}, 400, "invalid"),
        ("reject", {"reason": "   "}, 400, "invalid"),
        ("complete", {"resolution": 5}, 400, "invalid"),
    ],
)
def test_bad_action_input_changes_nothing(privacy_client, received, action, body, status, code):
    dsr = received("erasure")

    response = privacy_client.post(f"{URL}{dsr['id']}/{action}/", body, format="json")

    assert response.status_code == status and response.json()["code"] == code
    assert privacy_client.get(f"{URL}{dsr['id']}/").json() == dsr


def test_a_rejected_request_is_closed_with_its_reason(privacy_client, received):
    dsr = received("erasure")
    base = f"{URL}{dsr['id']}"

    rejected = privacy_client.post(f"{base}/reject/", {"reason": "identity not proven"}, format="json")
    again = privacy_client.post(f"{base}/verify/", {"method": "discord_dm"}, format="json")
    reassigned = privacy_client.post(f"{base}/assign/", {"assignee": None}, format="json")

    assert rejected.json()["status"] == "rejected" and rejected.json()["resolution"] == "identity not proven"
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    assert reassigned.status_code == 409 and reassigned.json()["code"] == "request_closed"


def test_verifying_twice_is_a_conflict(privacy_client, received):
    dsr = received("access")
    privacy_client.post(f"{URL}{dsr['id']}/verify/", {"method": "discord_oauth"}, format="json")

    response = privacy_client.post(f"{URL}{dsr['id']}/verify/", {"method": "discord_dm"}, format="json")

    assert response.status_code == 409 and response.json()["code"] == "already_verified"


def test_rectification_applies_the_changes_through_the_members_service(privacy_client, received, member):
    dsr = received("rectification", details={"changes": {"email": "fixed@example.org", "country": "DE"}})
    privacy_client.post(f"{URL}{dsr['id']}/verify/", {"method": "email_confirmation"}, format="json")

    response = privacy_client.post(f"{URL}{dsr['id']}/complete/", {}, format="json")

    assert response.status_code == 200 and response.json()["status"] == "completed"
    member.refresh_from_db()
    assert (member.email, member.country) == ("fixed@example.org", "DE")
    updated = AuditEvent.objects.get(action="accounts.member_updated", target_id=str(member.pk))
    assert "fixed@example.org" not in str(updated.changes)


def test_overdue_requests_are_flagged(privacy_client, received):
    dsr = received("access")
    DataSubjectRequest.objects.filter(pk=dsr["id"]).update(
        received_at=timezone.now() - timedelta(days=40), due_at=timezone.now() - timedelta(days=10)
    )

    assert privacy_client.get(f"{URL}{dsr['id']}/").json()["is_overdue"] is True


def _query_count(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return len(queries)


@pytest.mark.parametrize("path", [URL, f"/api/v1/tenants/111111111111111111/members/{MEMBER_ID}/consents/"])
def test_a_list_costs_the_same_for_few_and_many_rows(member, tenant, make_key, client_with_key, path):
    client = client_with_key(make_key(["privacy:read", "members:read"])[1])

    def grow(rows: int) -> None:
        for _ in range(rows):
            other = MemberFactory(tenant=tenant)
            request_receive(actor=ACTOR, member=other, kind=RequestKind.ERASURE)
            dsr = request_receive(actor=ACTOR, member=member, kind=RequestKind.ACCESS)
            request_reject(request=dsr, actor=ACTOR, reason="seen")
            consent_record(member=member, actor=ACTOR, code="marketing", action=ConsentAction.GRANTED)
            consent_record(member=member, actor=ACTOR, code="marketing", action=ConsentAction.WITHDRAWN)

    _query_count(client, path)
    grow(2)
    few = _query_count(client, path)
    grow(20)

    assert _query_count(client, path) == few <= 6
