"""POST/GET /api/v1/privacy/requests/ and the workflow actions: happy paths, refusals, nothing written on 4xx.

Keys file requests, read them, start the verification and assign; verifying, completing, rejecting and
the export download are refused to every key (staff do them in the portal, tests/portal/test_dsr_pages.py),
so the staff steps of these tests call the services as a staff person would."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.core.actors import Actor
from apps.core.errors import ConflictError
from apps.privacy.choices import ConsentAction, RequestKind, RequestStatus
from apps.privacy.models import DataSubjectRequest, DataSubjectRequestEvent
from apps.privacy.services.consent import consent_record
from apps.privacy.services.requests import (
    request_complete,
    request_receive,
    request_reject,
    request_verify_identity,
)
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


@pytest.mark.parametrize(
    ("method", "action", "body"),
    [
        ("post", "verify", {"method": "discord_dm", "note": "answered"}),
        ("post", "complete", {"resolution": "sent"}),
        ("post", "reject", {"reason": "not the account holder"}),
        ("get", "export", None),
    ],
)
@pytest.mark.parametrize("stage", ["received", "in_progress", "completed"])
def test_staff_actions_are_refused_to_every_key_and_change_nothing(
    privacy_client, received, verifier, completer, export_dir, method, action, body, stage
):
    dsr = received("access")
    if stage != "received":
        request_verify_identity(
            request=DataSubjectRequest.objects.get(pk=dsr["id"]), actor=verifier, method="in_person"
        )
    if stage == "completed":
        request_complete(request=DataSubjectRequest.objects.get(pk=dsr["id"]), actor=completer)
    before = privacy_client.get(f"{URL}{dsr['id']}/").json()
    audit_before, history_before = AuditEvent.objects.count(), DataSubjectRequestEvent.objects.count()

    path = f"{URL}{dsr['id']}/{action}/"
    response = privacy_client.get(path) if method == "get" else privacy_client.post(path, body, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "staff_only" and response.json()["fields"] == {}
    assert f"/portal/privacy/requests/{dsr['id']}/" in response.json()["message"]
    assert privacy_client.get(f"{URL}{dsr['id']}/").json() == before
    assert (AuditEvent.objects.count(), DataSubjectRequestEvent.objects.count()) == (audit_before, history_before)


def test_the_key_files_and_assigns_staff_verify_and_someone_else_completes(
    privacy_client, received, privacy_key, verifier, completer, export_dir, signals, django_capture_on_commit_callbacks
):
    dsr = received("access")
    UserFactory(username="dpo")
    base = f"{URL}{dsr['id']}"

    with django_capture_on_commit_callbacks(execute=True):
        started = privacy_client.post(f"{base}/start-verification/", {"note": "DM sent"}, format="json")
        request_verify_identity(
            request=DataSubjectRequest.objects.get(pk=dsr["id"]), actor=verifier, method="discord_dm", note="answered"
        )
        assigned = privacy_client.post(f"{base}/assign/", {"assignee": "dpo"}, format="json")
        request_complete(request=DataSubjectRequest.objects.get(pk=dsr["id"]), actor=completer, resolution="sent")
    body = privacy_client.get(f"{base}/").json()

    assert started.json()["status"] == "identity_verification"
    assert assigned.json()["assignee"] == "dpo" and assigned.json()["status"] == "in_progress"
    assert body["verification"]["method"] == "discord_dm" and body["verification"]["verified_by"] == "ann"
    assert body["status"] == "completed" and body["resolution"] == "sent"
    assert body["export"]["portal_url"] == f"/portal/privacy/requests/{dsr['id']}/"
    row = DataSubjectRequest.objects.get(pk=dsr["id"])
    assert (row.filed_by_actor, row.requested_by) == (f"api_key:{privacy_key[0].pk}", privacy_key[0].prefix)
    assert row.verified_by_actor == verifier.kind + ":" + verifier.identifier
    assert [(sent["change"], sent["status"]) for sent in signals] == [
        ("received", "received"),  # sent in the filing's transaction (the task outbox), so seen here too
        ("status_changed", "identity_verification"),
        ("verified", "in_progress"),
        ("assigned", "in_progress"),
        ("status_changed", "completed"),
    ]
    history = DataSubjectRequestEvent.objects.filter(request_id=dsr["id"]).order_by("id")
    assert list(history.values_list("action", "to_status", "actor_label")) == [
        ("received", "received", privacy_key[0].prefix),
        ("status_changed", "identity_verification", privacy_key[0].prefix),
        ("verified", "", "ann"),
        ("status_changed", "in_progress", "ann"),
        ("assigned", "", privacy_key[0].prefix),
        ("exported", "", "ben"),
        ("status_changed", "completed", "ben"),
    ]
    assert set(AuditEvent.objects.filter(target_id=str(dsr["id"]), target_type="privacy.datasubjectrequest")
               .values_list("action", flat=True)) == {
        "privacy.request_received", "privacy.request_verification_started", "privacy.request_identity_verified",
        "privacy.request_assigned", "privacy.request_completed",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("action", "body", "status", "code"),
    [
        ("assign", {"assignee": "nobody-here"}, 400, "unknown_assignee"),
        ("assign", {"assignee": 5}, 400, "invalid"),
        ("start-verification", {"note": 5}, 400, "invalid"),
        ("start-verification", {"why": "x"}, 400, "invalid"),
    ],
)
def test_bad_action_input_changes_nothing(privacy_client, received, action, body, status, code):
    dsr = received("erasure")

    response = privacy_client.post(f"{URL}{dsr['id']}/{action}/", body, format="json")

    assert response.status_code == status and response.json()["code"] == code
    assert privacy_client.get(f"{URL}{dsr['id']}/").json() == dsr


def test_a_rejected_request_is_closed_with_its_reason(privacy_client, received, verifier):
    dsr = received("erasure")
    base = f"{URL}{dsr['id']}"

    request_reject(request=DataSubjectRequest.objects.get(pk=dsr["id"]), actor=verifier, reason="identity not proven")
    rejected = privacy_client.get(f"{base}/").json()
    again = privacy_client.post(f"{base}/start-verification/", {}, format="json")
    reassigned = privacy_client.post(f"{base}/assign/", {"assignee": None}, format="json")

    assert rejected["status"] == "rejected" and rejected["resolution"] == "identity not proven"
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    assert reassigned.status_code == 409 and reassigned.json()["code"] == "request_closed"


def test_verifying_twice_is_a_conflict(received, verifier, completer):
    dsr = DataSubjectRequest.objects.get(pk=received("access")["id"])
    request_verify_identity(request=dsr, actor=verifier, method="discord_oauth")

    with pytest.raises(ConflictError) as conflict:
        request_verify_identity(request=dsr, actor=completer, method="discord_dm")

    assert conflict.value.code == "already_verified"
    assert DataSubjectRequest.objects.get(pk=dsr.pk).verification_method == "discord_oauth"


def test_processing_is_refused_before_the_identity_is_verified(received, completer):
    dsr = DataSubjectRequest.objects.get(pk=received("access")["id"])

    with pytest.raises(ConflictError) as conflict:
        request_complete(request=dsr, actor=completer)

    assert conflict.value.code == "identity_not_verified"
    assert DataSubjectRequest.objects.get(pk=dsr.pk).status == RequestStatus.RECEIVED


def test_rectification_applies_the_changes_through_the_members_service(
    privacy_client, received, member, verifier, completer
):
    dsr = received("rectification", details={"changes": {"email": "fixed@example.org", "country": "DE"}})
    request = DataSubjectRequest.objects.get(pk=dsr["id"])
    request_verify_identity(request=request, actor=verifier, method="email_confirmation")

    request_complete(request=request, actor=completer)

    assert privacy_client.get(f"{URL}{dsr['id']}/").json()["status"] == "completed"
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
def test_a_list_costs_the_same_for_few_and_many_rows(member, tenant, make_key, client_with_key, verifier, path):
    client = client_with_key(make_key(["privacy:read", "members:read"])[1])
    staff = verifier

    def grow(rows: int) -> None:
        for _ in range(rows):
            other = MemberFactory(tenant=tenant)
            request_receive(actor=ACTOR, member=other, kind=RequestKind.ERASURE)
            dsr = request_receive(actor=ACTOR, member=member, kind=RequestKind.ACCESS)
            request_reject(request=dsr, actor=staff, reason="seen")
            consent_record(member=member, actor=ACTOR, code="marketing", action=ConsentAction.GRANTED)
            consent_record(member=member, actor=ACTOR, code="marketing", action=ConsentAction.WITHDRAWN)

    _query_count(client, path)
    grow(2)
    few = _query_count(client, path)
    grow(20)

    assert _query_count(client, path) == few <= 6
