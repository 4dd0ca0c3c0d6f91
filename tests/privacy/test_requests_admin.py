"""The privacy admin's actions go through the services: verify, assign, complete, reject; PIAs; consent types.

The services' rules hold in the admin too: a second person completes (four eyes), and verifying,
completing and rejecting need the session's second factor."""

import json

import pytest
from django.contrib.admin import helpers
from django.test import Client
from django.urls import reverse

from apps.accounts.choices import StaffRole
from apps.audit.models import AuditEvent
from apps.core.actors import Actor
from apps.privacy.choices import PiaStatus, RequestKind, RequestStatus
from apps.privacy.models import ConsentType, DataExport, DataSubjectRequest, PrivacyImpactAssessment
from apps.privacy.services.assessments import pia_create, pia_submit
from apps.privacy.services.requests import request_receive
from tests.factories import MemberFactory
from tests.privacy.pia_data import LOW
from tests.second_factor import verified_client

pytestmark = pytest.mark.django_db

ACTOR = Actor.system("admin test")
CHANGELIST = reverse("admin:privacy_datasubjectrequest_changelist")


@pytest.fixture
def root(staff_user):
    return staff_user(StaffRole.SUPERUSER, username="root")


@pytest.fixture
def browser(root) -> Client:
    return verified_client(root)


@pytest.fixture
def second(staff_user) -> Client:
    """Another superuser, signed in with a second factor: the second pair of eyes."""
    return verified_client(staff_user(StaffRole.SUPERUSER, username="second"))


@pytest.fixture
def dsr(tenant, export_dir):
    return request_receive(actor=ACTOR, member=MemberFactory(tenant=tenant), kind=RequestKind.ACCESS)


def _act(browser, url, action, pks, **form):
    return browser.post(url, {"action": action, helpers.ACTION_CHECKBOX_NAME: pks, **form})


def _messages(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


def test_verify_assign_and_complete_from_the_changelist_by_two_people(browser, second, dsr):
    asked = _act(browser, CHANGELIST, "verify_identity", [dsr.pk])
    verified = _act(browser, CHANGELIST, "verify_identity", [dsr.pk], apply="yes", method="id_document", note="seen")
    assigned = _act(browser, CHANGELIST, "assign_to_me", [dsr.pk])
    audit_before = AuditEvent.objects.count()
    refused = _act(browser, CHANGELIST, "complete", [dsr.pk], apply="yes", resolution="emailed the zip")
    unchanged = DataSubjectRequest.objects.get(pk=dsr.pk)
    audit_after_refusal = AuditEvent.objects.count()
    completed = _act(second, CHANGELIST, "complete", [dsr.pk], apply="yes", resolution="emailed the zip")

    assert asked.status_code == 200 and b"Record identity verification" in asked.content
    assert verified.status_code == assigned.status_code == refused.status_code == completed.status_code == 302
    assert _messages(refused)[-1] == (
        f"{dsr}: Four eyes: you verified the requester's identity, so another staff member must complete this request."
    )
    assert (unchanged.status, unchanged.resolution, unchanged.completed_at) == (RequestStatus.IN_PROGRESS, "", None)
    assert audit_after_refusal == audit_before
    dsr.refresh_from_db()
    assert (dsr.status, dsr.verification_method, dsr.verified_by, dsr.assignee.username) == (
        RequestStatus.COMPLETED, "id_document", "root", "root"
    )  # fmt: skip
    assert dsr.resolution == "emailed the zip"
    assert DataExport.objects.get(request=dsr).created_by == "second"
    assert AuditEvent.objects.filter(action="privacy.request_identity_verified", actor_label="root").count() == 1


@pytest.mark.parametrize(
    ("action", "form"),
    [
        ("verify_identity", {"apply": "yes", "method": "id_document"}),
        ("complete", {"apply": "yes", "resolution": "done"}),
        ("reject", {"apply": "yes", "reason": "no"}),
    ],
)
def test_without_a_verified_second_factor_the_personal_data_actions_are_refused(root, second, dsr, action, form):
    _act(second, CHANGELIST, "verify_identity", [dsr.pk], apply="yes", method="discord_dm")
    password_only = Client()
    password_only.force_login(root)
    before = DataSubjectRequest.objects.get(pk=dsr.pk)
    audit_before = AuditEvent.objects.count()

    response = _act(password_only, CHANGELIST, action, [dsr.pk], **form)

    # the whole admin refuses a session without a verified device: back to the sign-in, nothing done
    assert response.status_code == 302 and response.url.startswith(reverse("admin:login"))
    after = DataSubjectRequest.objects.get(pk=dsr.pk)
    assert (after.status, after.updated_at, after.resolution) == (before.status, before.updated_at, before.resolution)
    assert AuditEvent.objects.count() == audit_before


def test_completing_before_verification_is_refused_with_a_message(browser, dsr):
    response = _act(browser, CHANGELIST, "complete", [dsr.pk], apply="yes")

    assert response.status_code == 302
    assert _messages(response) == ["Only requests in progress (identity verified) can be completed."]
    assert DataSubjectRequest.objects.get(pk=dsr.pk).status == RequestStatus.RECEIVED


def test_reject_needs_a_reason(browser, dsr):
    without = _act(browser, CHANGELIST, "reject", [dsr.pk], apply="yes", reason="")
    with_reason = _act(browser, CHANGELIST, "reject", [dsr.pk], apply="yes", reason="not the account holder")

    assert without.status_code == 200  # the form again, with its error
    assert with_reason.status_code == 302
    assert DataSubjectRequest.objects.get(pk=dsr.pk).status == RequestStatus.REJECTED


def test_a_pia_is_written_in_the_admin_and_its_author_cannot_approve_it(browser, root, second):
    added = browser.post(
        reverse("admin:privacy_privacyimpactassessment_add"),
        {"title": "Leaderboards", "processing": "Rank cappers.", "questionnaire": json.dumps(LOW)},
    )
    pia = PrivacyImpactAssessment.objects.get()
    changelist = reverse("admin:privacy_privacyimpactassessment_changelist")
    _act(browser, changelist, "submit", [pia.pk])
    refused = _act(browser, changelist, "approve", [pia.pk])
    approved = _act(second, changelist, "approve", [pia.pk])

    assert added.status_code == 302 and pia.author == root and (pia.score, pia.level) == (2, "low")
    assert "must be someone other than its author" in " ".join(str(m) for m in refused.wsgi_request._messages)
    assert approved.status_code == 302
    assert PrivacyImpactAssessment.objects.get(pk=pia.pk).status == PiaStatus.APPROVED


def test_an_invalid_questionnaire_in_the_admin_is_a_message_not_a_500(browser, root):
    pia = pia_create(actor=ACTOR, author=root, title="x", processing="y", questionnaire=LOW)
    pia_submit(pia=pia, actor=ACTOR)
    add = reverse("admin:privacy_privacyimpactassessment_add")

    response = browser.post(add, {"title": "t", "processing": "p", "questionnaire": json.dumps({"profiling": 1})})

    assert response.status_code == 302
    assert PrivacyImpactAssessment.objects.count() == 1


def test_a_new_consent_text_is_published_as_a_new_version(browser):
    response = browser.post(
        reverse("admin:privacy_consenttype_add"),
        {"code": "marketing", "title": "Marketing v2", "text": "Offers by email only."},
    )

    assert response.status_code == 302
    versions = list(
        ConsentType.objects.filter(code="marketing").order_by("version").values_list("version", "is_active")
    )
    assert list(versions) == [(1, False), (2, True)]
