"""A data-subject request worked end to end in the portal (issue 17): an officer logs it (the intake form), verifies
the requester, assigns it; a second officer completes it (the export, the erasure: four eyes, shown on the page);
bad input is a 400 with the message beside the field and writes nothing; the SLA clock is on the pages."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from apps.accounts.choices import StaffRole
from apps.accounts.services import member_create
from apps.audit.models import AuditEvent
from apps.core.actors import Actor
from apps.privacy.choices import RequestKind, RequestStatus
from apps.privacy.models import DataExport, DataSubjectRequest, DataSubjectRequestEvent, DeletionCertificate
from tests.second_factor import verified_client

pytestmark = pytest.mark.django_db

SUBJECT = "730000000000000077"
NEW = reverse("portal:dsr_create")


@pytest.fixture(autouse=True)
def export_dir(settings, tmp_path):
    settings.PRIVACY_EXPORT_DIR = str(tmp_path / "exports")


@pytest.fixture
def subject(tenant):
    return member_create(actor=Actor.system("t"), tenant=tenant, discord_user_id=SUBJECT, username="asker")


@pytest.fixture
def second_client(portal_user):
    return verified_client(portal_user(StaffRole.COMPLIANCE_OFFICER, username="second-officer"))


@pytest.fixture
def third_client(portal_user):
    return verified_client(portal_user(StaffRole.COMPLIANCE_OFFICER, username="third-officer"))


def _counts() -> tuple:
    return (
        DataSubjectRequest.objects.count(),
        DataSubjectRequestEvent.objects.count(),
        AuditEvent.objects.filter(action__startswith="privacy.").count(),
    )


def _act(client, dsr, action: str, **form):
    return client.post(reverse("portal:dsr_action", kwargs={"request_id": dsr.pk, "action": action}), form)


def test_the_intake_form_renders_with_labels_and_every_kind(officer_client, subject):
    page = officer_client.get(NEW).content.decode()

    for field in ("tenant", "discord_user_id", "kind", "note", "changes"):
        assert f'<label for="id_{field}"' in page, field
    for kind in RequestKind.values:
        assert f'value="{kind}"' in page
    assert "Home Guild (111111111111111111)" in page


def test_an_officer_logs_a_request_filed_in_their_name_and_audited(officer, officer_client, subject, tenant):
    response = officer_client.post(
        NEW, {"tenant": tenant.pk, "discord_user_id": SUBJECT, "kind": "access", "note": "e-mail of 7 December"}
    )

    dsr = DataSubjectRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("portal:dsr", kwargs={"request_id": dsr.pk})
    assert (dsr.member, dsr.kind, dsr.status) == (subject, "access", RequestStatus.RECEIVED)
    assert (dsr.requested_by, dsr.filed_by_actor) == ("officer", f"user:{officer.pk}")
    assert dsr.details == {"note": "e-mail of 7 December"}
    event = AuditEvent.objects.get(action="privacy.request_received")
    assert (event.actor_kind, event.actor_label, event.target_id) == ("user", "officer", str(dsr.pk))
    page = officer_client.get(response["Location"]).content.decode()
    assert f"Request #{dsr.pk} logged" in page and "due in 30 days" in page


def test_a_rectification_is_logged_with_its_corrections(officer_client, subject, tenant):
    officer_client.post(
        NEW, {"tenant": tenant.pk, "discord_user_id": SUBJECT, "kind": "rectification", "changes": "country: DE\n"}
    )

    assert DataSubjectRequest.objects.get().details == {"changes": {"country": "DE"}}


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"tenant": "", "kind": "access"}, "tenant", "This field is required."),
        ({"tenant": 10**9, "kind": "access"}, "tenant", "That guild does not exist"),
        ({"discord_user_id": "12ab", "kind": "access"}, "discord_user_id", "17 to 20 digits"),
        ({"discord_user_id": "730000000000000099", "kind": "access"}, "discord_user_id", "has no member"),
        ({"kind": "telepathy"}, "kind", "Select a valid choice"),
        ({"kind": "rectification"}, "changes", "at least one correction"),
        ({"kind": "rectification", "changes": "no colon here"}, "changes", "is not 'field: value'"),
        ({"kind": "rectification", "changes": "guild_id: 1"}, "changes", "Not rectifiable"),
        ({"kind": "erasure", "changes": "country: DE"}, "changes", "Only a rectification"),
        ({"kind": "access", "note": "x" * 2001}, "note", "at most 2000 characters"),
    ],
)
def test_bad_input_is_a_400_with_the_message_beside_the_field(officer_client, subject, tenant, form, field, message):
    data = {"tenant": tenant.pk, "discord_user_id": SUBJECT, **form}
    before = _counts()

    response = officer_client.post(NEW, data)

    assert response.status_code == 400
    page = response.content.decode()
    assert escape(message) in page
    assert f'id="id_{field}_error"' in page  # beside its field
    assert _counts() == before


def test_an_analyst_may_not_open_or_post_the_intake_form(analyst_client, subject, tenant):
    before = _counts()

    assert analyst_client.get(NEW).status_code == 403
    response = analyst_client.post(NEW, {"tenant": tenant.pk, "discord_user_id": SUBJECT, "kind": "access"})

    assert response.status_code == 403
    assert _counts() == before


def _log(client, tenant, kind):
    client.post(NEW, {"tenant": tenant.pk, "discord_user_id": SUBJECT, "kind": kind})
    return DataSubjectRequest.objects.latest("pk")


def test_the_officer_who_logs_an_erasure_cannot_approve_it_a_second_officer_runs_it(
    officer_client, second_client, third_client, subject, tenant
):
    dsr = _log(officer_client, tenant, "erasure")
    _act(second_client, dsr, "verify", method="id_document", note="passport")  # the second officer verifies
    own = officer_client.get(reverse("portal:dsr", kwargs={"request_id": dsr.pk})).content.decode()
    assert "you filed this request, so another staff member must complete it" in own
    before = _counts()

    refused = _act(officer_client, dsr, "complete", confirm_erasure="yes")  # the filer approves their own
    assert refused.status_code == 403
    assert "Four eyes: you filed this request" in refused.content.decode()
    assert _counts() == before and not DeletionCertificate.objects.exists()
    also_refused = _act(second_client, dsr, "complete", confirm_erasure="yes")  # the verifier
    assert also_refused.status_code == 403 and _counts() == before

    third = third_client
    done = _act(third, dsr, "complete", confirm_erasure="yes", resolution="erased everywhere")

    assert done.status_code == 302
    assert DeletionCertificate.objects.get(request=dsr).erased_by == "third-officer"
    page = third.get(reverse("portal:dsr", kwargs={"request_id": dsr.pk})).content.decode()
    panel = page[page.index("data-four-eyes") :]
    assert "officer" in panel and "second-officer" in panel and "third-officer" in panel
    assert AuditEvent.objects.filter(action="privacy.request_completed", actor_label="third-officer").exists()


def test_an_access_request_end_to_end_each_step_audited(
    officer, officer_client, second_client, third_client, subject, tenant
):
    dsr = _log(officer_client, tenant, "access")

    _act(second_client, dsr, "start-verification", note="DM sent")
    _act(second_client, dsr, "verify", method="discord_dm")
    _act(second_client, dsr, "assign", assignee="officer")
    refused = _act(officer_client, dsr, "complete")  # the filer may not complete
    assert refused.status_code == 403
    assert _act(third_client, dsr, "complete", resolution="zip sent").status_code == 302

    row = DataSubjectRequest.objects.get(pk=dsr.pk)
    assert (row.status, row.assignee) == (RequestStatus.COMPLETED, officer)
    assert DataExport.objects.filter(request=row).count() == 1
    actions = set(AuditEvent.objects.filter(target_id=str(dsr.pk)).values_list("action", flat=True))
    assert {
        "privacy.request_received",
        "privacy.request_verification_started",
        "privacy.request_identity_verified",
        "privacy.request_assigned",
        "privacy.request_completed",
    } <= actions


def test_reject_with_a_reason_shows_who_rejected(officer_client, subject, tenant):
    dsr = _log(officer_client, tenant, "access")

    assert _act(officer_client, dsr, "reject", reason="").status_code == 400
    assert _act(officer_client, dsr, "reject", reason="not the account holder").status_code == 302

    page = officer_client.get(reverse("portal:dsr", kwargs={"request_id": dsr.pk})).content.decode()
    assert "Rejected by" in page and "not the account holder" in page


def test_the_sla_clock_shows_overdue_in_words_on_the_list_and_the_page(officer_client, subject, tenant):
    dsr = _log(officer_client, tenant, "access")
    DataSubjectRequest.objects.filter(pk=dsr.pk).update(
        received_at=timezone.now() - timedelta(days=40), due_at=timezone.now() - timedelta(days=10, hours=1)
    )

    listing = officer_client.get(reverse("portal:dsrs")).content.decode()
    page = officer_client.get(reverse("portal:dsr", kwargs={"request_id": dsr.pk})).content.decode()

    assert "overdue by 11 days" in listing and "overdue by 11 days" in page
    assert 'class="sla sla--overdue"' in page


def test_assigned_to_me_filters_the_list(officer, officer_client, second_client, subject, tenant):
    mine = _log(officer_client, tenant, "access")
    _log(officer_client, tenant, "portability")
    _act(officer_client, mine, "assign", assignee="me")

    page = officer_client.get(reverse("portal:dsrs"), {"assignee": "me"}).content.decode()

    assert page.count("data-request=") == 1 and f'data-request="{mine.pk}"' in page
    assert 'id="assignee-filter" name="assignee" value="me" checked' in page
