"""The data-subject request page of the portal: staff with a verified second factor verify the requester,
assign, complete (someone other than the verifier: four eyes), reject with a reason and download the
export (audited); CSRF-protected POST forms, no inline scripts; refused without the second factor."""

import hashlib
import io
import re
import zipfile

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from apps.accounts.choices import StaffRole
from apps.accounts.services import member_create
from apps.audit.models import AuditEvent
from apps.core.actors import Actor
from apps.privacy.choices import RequestKind, RequestStatus
from apps.privacy.models import DataExport, DataSubjectRequest, DataSubjectRequestEvent, DeletionCertificate
from apps.privacy.services.requests import request_receive
from apps.privacy.services.staff import portal_path
from tests.second_factor import verified_client

pytestmark = pytest.mark.django_db

FOUR_EYES = "Four eyes: you verified the requester&#x27;s identity, so another staff member must complete this request."


@pytest.fixture(autouse=True)
def export_dir(settings, tmp_path):
    settings.PRIVACY_EXPORT_DIR = str(tmp_path / "exports")


@pytest.fixture
def key_actor(make_key):
    api_key, _ = make_key(["privacy:read", "privacy:write"])
    return Actor(kind="api_key", identifier=str(api_key.pk), label=api_key.prefix)


@pytest.fixture
def file_request(tenant, key_actor):
    """file_request(kind) -> a request filed by the platform key, as the bot files them."""
    numbers = iter(range(100))

    def _file(kind: str = RequestKind.ACCESS):
        number = next(numbers)
        member = member_create(
            actor=key_actor, tenant=tenant, discord_user_id=f"7300000000000000{number:02d}", username=f"asker{number}"
        )
        details = {"changes": {"country": "DE"}} if kind == RequestKind.RECTIFICATION else {}
        return request_receive(actor=key_actor, member=member, kind=kind, details=details)

    return _file


@pytest.fixture
def second_officer(portal_user):
    return portal_user(StaffRole.COMPLIANCE_OFFICER, username="second-officer")


@pytest.fixture
def second_client(second_officer):
    return verified_client(second_officer)


def _url(name: str, dsr, **kwargs) -> str:
    return reverse(f"portal:{name}", kwargs={"request_id": dsr.pk, **kwargs})


def _act(client, dsr, action: str, **form):
    return client.post(_url("dsr_action", dsr, action=action), form, follow=True)


def _state(dsr) -> tuple:
    row = DataSubjectRequest.objects.get(pk=dsr.pk)
    return (
        row.status,
        row.verified_at,
        row.assignee_id,
        row.completed_at,
        row.resolution,
        row.updated_at,
        DataSubjectRequestEvent.objects.filter(request=row).count(),
        DataExport.objects.filter(request=row).count(),
        list(DataExport.objects.filter(request=row).values_list("downloaded_count", flat=True)),
        AuditEvent.objects.count(),
    )


def test_the_page_shows_the_request_with_csrf_protected_forms_and_no_inline_script(officer_client, file_request):
    dsr = file_request()

    page = officer_client.get(_url("dsr", dsr)).content.decode()

    for action in ("start-verification", "verify", "assign", "reject"):
        assert f'action="{_url("dsr_action", dsr, action=action)}"' in page, action
    assert _url("dsr_action", dsr, action="complete") not in page  # nothing to complete before verification
    forms = re.findall(r"<form [^>]*>", page)
    assert forms and all('method="post"' in form for form in forms)
    assert page.count('name="csrfmiddlewaretoken"') == len(forms)
    assert '<option value="id_document">' in page
    assert all(" src=" in tag for tag in re.findall(r"<script[^>]*>", page))  # scripts come from static files
    assert portal_path(dsr.pk) == _url("dsr", dsr)  # where the API's refusals send people


def test_verify_assign_complete_and_download_end_to_end(
    officer, officer_client, second_officer, second_client, file_request
):
    dsr = file_request()

    verified = _act(officer_client, dsr, "verify", method="id_document", note="passport seen on a video call")
    assigned = _act(officer_client, dsr, "assign", assignee=second_officer.get_username())
    before = _state(dsr)
    refused = _act(officer_client, dsr, "complete", resolution="zip e-mailed")
    after_refusal = _state(dsr)
    completed = _act(second_client, dsr, "complete", resolution="zip e-mailed")
    download = second_client.post(_url("dsr_export", dsr))

    assert verified.status_code == assigned.status_code == completed.status_code == 200
    assert "Identity verified: the request is in progress." in verified.content.decode()
    assert FOUR_EYES in refused.content.decode()
    assert after_refusal == before
    row = DataSubjectRequest.objects.get(pk=dsr.pk)
    assert (row.status, row.verification_method, row.verification_note) == (
        RequestStatus.COMPLETED, "id_document", "passport seen on a video call"
    )  # fmt: skip
    assert (row.verified_by, row.verified_by_actor, row.assignee) == ("officer", f"user:{officer.pk}", second_officer)
    assert row.resolution == "zip e-mailed"
    history = list(row.history.order_by("id").values_list("action", "actor_label"))
    assert history[-2:] == [("exported", "second-officer"), ("status_changed", "second-officer")]
    export = DataExport.objects.get(request=row)
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    assert download["Cache-Control"] == "private, no-store"
    assert hashlib.sha256(download.content).hexdigest() == export.sha256 == download["X-Content-SHA256"]
    assert "manifest.json" in zipfile.ZipFile(io.BytesIO(download.content)).namelist()
    assert DataExport.objects.get(pk=export.pk).downloaded_count == 1
    event = AuditEvent.objects.get(action="privacy.export_downloaded", target_id=str(export.pk))
    assert (event.actor_kind, event.actor_label) == ("user", "second-officer")
    page = second_client.get(_url("dsr", dsr)).content.decode()
    assert export.sha256 in page and _url("dsr_export", dsr) in page


def test_the_page_warns_the_verifier_before_they_try_to_complete(officer_client, second_client, file_request):
    dsr = file_request()
    _act(officer_client, dsr, "verify", method="discord_dm")

    own = officer_client.get(_url("dsr", dsr)).content.decode()
    other = second_client.get(_url("dsr", dsr)).content.decode()

    assert FOUR_EYES in own
    assert FOUR_EYES not in other and _url("dsr_action", dsr, action="complete") in other


def test_an_erasure_needs_the_confirmation_and_a_second_person(officer_client, second_client, file_request):
    dsr = file_request(RequestKind.ERASURE)
    _act(officer_client, dsr, "verify", method="in_person")
    before = _state(dsr)

    unconfirmed = _act(second_client, dsr, "complete", resolution="erased")
    same_person = _act(officer_client, dsr, "complete", resolution="erased", confirm_erasure="yes")
    assert _state(dsr) == before
    erased = _act(second_client, dsr, "complete", resolution="erased", confirm_erasure="yes")

    assert "Confirm that the erasure may go ahead" in unconfirmed.content.decode()
    assert FOUR_EYES in same_person.content.decode()
    certificate = DeletionCertificate.objects.get(request=dsr)
    assert certificate.erased_by == "second-officer"
    assert certificate.content_sha256 in erased.content.decode()
    assert DataSubjectRequest.objects.get(pk=dsr.pk).status == RequestStatus.COMPLETED


def test_a_rectification_is_applied_by_the_second_person(officer_client, second_client, file_request):
    dsr = file_request(RequestKind.RECTIFICATION)
    _act(officer_client, dsr, "verify", method="email_confirmation")

    response = _act(second_client, dsr, "complete")

    assert "completed" in response.content.decode()
    assert DataSubjectRequest.objects.get(pk=dsr.pk).member.country == "DE"


def test_reject_needs_a_reason(officer_client, file_request):
    dsr = file_request()
    before = _state(dsr)

    without = _act(officer_client, dsr, "reject", reason="   ")
    assert _state(dsr) == before
    rejected = _act(officer_client, dsr, "reject", reason="not the account holder")

    assert "Give the reason for rejecting the request." in without.content.decode()
    assert "rejected" in rejected.content.decode()
    row = DataSubjectRequest.objects.get(pk=dsr.pk)
    assert (row.status, row.resolution) == (RequestStatus.REJECTED, "not the account holder")
    assert AuditEvent.objects.filter(action="privacy.request_rejected", actor_label="officer").count() == 1


@pytest.mark.parametrize(
    ("action", "form", "message"),
    [
        ("verify", {"method": "telepathy"}, "Select a valid choice"),
        ("verify", {"method": "discord_dm", "note": "x" * 501}, "at most 500 characters"),
        ("assign", {"assignee": "nobody-here"}, "No active staff user"),
        ("nonsense", {}, None),
    ],
)
def test_bad_input_is_a_message_and_changes_nothing(officer_client, file_request, action, form, message):
    dsr = file_request()
    before = _state(dsr)

    response = _act(officer_client, dsr, action, **form)

    if message is None:
        assert response.status_code == 404
    else:
        assert response.status_code == 400 and escape(message) in response.content.decode()
    assert _state(dsr) == before


def test_start_verification_and_assign_to_me(officer, officer_client, file_request):
    dsr = file_request()

    _act(officer_client, dsr, "start-verification", note="DM sent")
    _act(officer_client, dsr, "assign", assignee="me")

    row = DataSubjectRequest.objects.get(pk=dsr.pk)
    assert (row.status, row.assignee) == (RequestStatus.IDENTITY_VERIFICATION, officer)


@pytest.mark.parametrize(
    ("action", "form"),
    [
        ("verify", {"method": "discord_dm"}),
        ("assign", {"assignee": "me"}),
        ("complete", {"resolution": "done"}),
        ("reject", {"reason": "no"}),
        ("start-verification", {}),
        ("export", {}),
    ],
)
def test_without_a_verified_second_factor_nothing_happens(
    officer, officer_client, second_officer, file_request, action, form
):
    dsr = file_request()
    _act(officer_client, dsr, "verify", method="discord_dm")
    if action == "export":
        _act(verified_client(second_officer), dsr, "complete")
    password_only = Client()
    password_only.force_login(second_officer)  # signed in, but the second factor never checked
    before = _state(dsr)

    url = _url("dsr_export", dsr) if action == "export" else _url("dsr_action", dsr, action=action)
    response = password_only.post(url, form)
    page = password_only.get(_url("dsr", dsr))

    assert response.status_code == page.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))
    assert _state(dsr) == before


def test_an_analyst_may_not_open_or_act_on_requests(analyst_client, file_request):
    dsr = file_request()
    before = _state(dsr)

    assert analyst_client.get(_url("dsr", dsr)).status_code == 403
    assert analyst_client.post(_url("dsr_action", dsr, action="reject"), {"reason": "no"}).status_code == 403
    assert analyst_client.post(_url("dsr_export", dsr)).status_code == 403
    assert _state(dsr) == before


def test_a_post_without_the_csrf_token_is_refused(officer, file_request):
    dsr = file_request()
    strict = verified_client(officer)
    strict.handler.enforce_csrf_checks = True
    before = _state(dsr)

    response = strict.post(_url("dsr_action", dsr, action="verify"), {"method": "discord_dm"})

    assert response.status_code == 403
    assert _state(dsr) == before


def test_actions_need_post(officer_client, file_request):
    dsr = file_request()

    assert officer_client.get(_url("dsr_action", dsr, action="verify")).status_code == 405
    assert officer_client.get(_url("dsr_export", dsr)).status_code == 405


def test_downloading_without_an_export_is_a_message(officer_client, file_request):
    dsr = file_request(RequestKind.ERASURE)

    response = officer_client.post(_url("dsr_export", dsr), follow=True)

    assert response.status_code == 200 and "This request has no export" in response.content.decode()
