"""The incident page's evidence, clocks, playbook steps and review through the portal: uploads and downloads
append custody (with the purpose), a tampered file is refused (409) and recorded, officers record regulatory
notices, analysts undo a step and finish a manual task, reviews are edited, get follow-ups, are approved by
someone other than the owner and exported. Bad input: the form again, nothing written."""

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from apps.core.actors import Actor
from apps.incidents.models import CustodyEvent, Evidence, FollowUp, StepRun
from apps.security.models import BlockedAddress
from apps.security.services import address_block
from tests.portal import incidents_data
from tests.second_factor import verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def incident():
    return incidents_data.full_incident()


def _upload(client, incident, content=b"GET /portal/login/ 401\n" * 3, title="Access log", **extra):
    upload = SimpleUploadedFile("access.log", content, content_type="text/plain")
    return client.post(
        reverse("portal:incident_evidence_add", args=[incident.pk]), {"title": title, "file": upload, **extra}
    )


def test_an_analyst_uploads_evidence_and_an_officer_downloads_it_with_a_purpose(
    analyst_client, officer_client, incident
):
    content = b"GET /portal/login/ 401\n" * 3
    assert _upload(analyst_client, incident, content).status_code == 302
    evidence = Evidence.objects.get(incident=incident, title="Access log")
    assert evidence.size == len(content) and evidence.collected_by_label == "analyst"
    assert list(evidence.custody.values_list("action", flat=True)) == ["collected"]

    path = reverse("portal:incident_evidence_download", args=[incident.pk, evidence.pk])
    response = officer_client.post(path, {"purpose": "Send to the regulator's case officer"}, REMOTE_ADDR="192.0.2.44")
    assert response.status_code == 200 and response.content == content
    assert response["Content-Disposition"] == 'attachment; filename="access.log"'
    event = evidence.custody.order_by("sequence").last()
    assert (event.action, event.actor_label, event.purpose, event.hash_verified) == (
        "downloaded", "officer", "Send to the regulator's case officer", True,
    )  # fmt: skip
    page = analyst_client.get(reverse("portal:incident", args=[incident.pk])).content.decode()
    assert "Chain of custody (2)" in page and "Send to the regulator" in page


def test_bad_uploads_and_downloads_without_a_purpose_write_nothing(analyst_client, incident, settings):
    evidence = incident.evidence.get()
    before = (Evidence.objects.count(), CustodyEvent.objects.count(), incident.timeline.count())
    settings.INCIDENT_EVIDENCE_MAX_BYTES = 10
    too_big = _upload(analyst_client, incident, b"x" * 11)
    assert too_big.status_code == 400 and "at most 10 bytes" in too_big.content.decode()
    no_file = analyst_client.post(reverse("portal:incident_evidence_add", args=[incident.pk]), {"title": "x"})
    assert no_file.status_code == 400 and "This field is required." in no_file.content.decode()
    no_purpose = analyst_client.post(
        reverse("portal:incident_evidence_download", args=[incident.pk, evidence.pk]), {"purpose": " "}
    )
    assert no_purpose.status_code == 400
    assert (Evidence.objects.count(), CustodyEvent.objects.count(), incident.timeline.count()) == before


def test_roles_without_the_evidence_permissions_are_refused(officer_client, staff_user, incident):
    evidence = incident.evidence.get()
    before = CustodyEvent.objects.count()
    assert _upload(officer_client, incident).status_code == 403  # officers handle evidence, analysts collect it
    ops = verified_client(staff_user("ops", username="ops-evidence"))
    path = reverse("portal:incident_evidence_download", args=[incident.pk, evidence.pk])
    assert ops.post(path, {"purpose": "curious"}).status_code == 403
    assert CustodyEvent.objects.count() == before and Evidence.objects.count() == 1


def test_a_tampered_file_is_refused_with_409_and_the_refusal_is_in_the_chain(officer_client, incident):
    evidence = incident.evidence.get()
    with default_storage.open(evidence.file.name, "wb") as stored:
        stored.write(b"edited after collection")
    response = officer_client.post(
        reverse("portal:incident_evidence_download", args=[incident.pk, evidence.pk]), {"purpose": "audit"}
    )
    assert response.status_code == 409
    assert "no longer matches its recorded SHA-256" in response.content.decode()
    assert evidence.custody.order_by("sequence").last().action == "refused"


def test_officers_record_the_authority_notice_and_bad_notices_write_nothing(officer_client, analyst_client, incident):
    clock = incident.clocks.get()
    path = reverse("portal:incident_clock_notice", args=[incident.pk, clock.pk])
    assert analyst_client.post(path, {"authority_notified_at": "2026-01-01 10:00"}).status_code == 403
    empty = officer_client.post(path, {"authority_notice": "phoned"})
    assert empty.status_code == 400 and "Give when the authority or the data subjects" in empty.content.decode()
    garbage = officer_client.post(path, {"authority_notified_at": "yesterday-ish"})
    assert garbage.status_code == 400 and "Enter a valid date/time." in garbage.content.decode()
    clock.refresh_from_db()
    assert clock.authority_notified_at is None and clock.status == "running"

    when = (timezone.now() - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M")
    ok = officer_client.post(
        path, {"authority_notified_at": when, "authority_notice": "Form via the DPA portal, ref 42"}
    )
    assert ok.status_code == 302
    clock.refresh_from_db()
    assert clock.authority_notice == "Form via the DPA portal, ref 42" and clock.status == "met"


def test_an_analyst_undoes_a_block_and_finishes_the_manual_task(analyst_client, officer_client, incident):
    block = address_block(
        address="198.51.100.7", until=timezone.now() + timedelta(hours=1), reason="test", actor=Actor.system("t")
    )
    blocked, manual = StepRun.objects.filter(incident=incident).order_by("position")
    StepRun.objects.filter(pk=blocked.pk).update(undo={"block_ids": [block.pk]})
    undo = reverse("portal:incident_step_undo", args=[incident.pk, blocked.pk])
    done = reverse("portal:incident_step_done", args=[incident.pk, manual.pk])
    assert officer_client.post(undo).status_code == 403 and officer_client.post(done).status_code == 403

    assert analyst_client.post(undo).status_code == 302
    blocked.refresh_from_db()
    assert blocked.status == "undone" and BlockedAddress.objects.get(pk=block.pk).lifted_at is not None
    again = analyst_client.post(undo, follow=True)  # a second undo is refused with the reason, nothing changes
    assert "Only a succeeded step can be undone" in again.content.decode()

    assert analyst_client.post(done, {"note": "Mailed the 3 users"}).status_code == 302
    manual.refresh_from_db()
    assert manual.status == "done" and manual.result["note"] == "Mailed the 3 users"
    assert analyst_client.post(reverse("portal:incident_step_done", args=[incident.pk, 10**9])).status_code == 404


def test_the_review_is_edited_gets_follow_ups_and_is_approved_by_someone_else(analyst, analyst_client, officer_client):
    incident = incidents_data.closed_with_review(owner=analyst)
    review_path = reverse("portal:incident_review", args=[incident.pk])
    page = analyst_client.get(review_path).content.decode()
    assert "Time to acknowledge" in page and "Save review" in page and "Approve review" in page

    edit = reverse("portal:incident_review_edit", args=[incident.pk])
    bad = analyst_client.post(edit, {"root_cause": "x", "cost_amount": "-5", "cost_currency": "euro"})
    assert bad.status_code == 400 and "three capital letters" in bad.content.decode()
    fields = {"root_cause": "No lockout on the API login", "lessons_learned": "Rate-limit", "cost_currency": "EUR"}
    assert analyst_client.post(edit, {**fields, "cost_amount": "1200.50"}).status_code == 302
    incident.review.refresh_from_db()
    assert incident.review.root_cause == "No lockout on the API login" and str(incident.review.cost_amount) == "1200.50"

    follow = reverse("portal:incident_review_follow_up", args=[incident.pk])
    due = (timezone.localdate() + timedelta(days=14)).isoformat()
    unknown = analyst_client.post(follow, {"recommendation": "Lockout", "owner": "nobody", "due_on": due})
    assert unknown.status_code == 400 and "No active staff user has that username." in unknown.content.decode()
    assert FollowUp.objects.count() == 0
    assert (
        analyst_client.post(follow, {"recommendation": "Lockout", "owner": "analyst", "due_on": due}).status_code == 302
    )
    assert FollowUp.objects.get().owner == analyst

    approve = reverse("portal:incident_review_approve", args=[incident.pk])
    own = analyst_client.post(approve)
    assert own.status_code == 400 and "four-eyes" in own.content.decode()  # the owner may not approve
    assert officer_client.post(approve).status_code == 302
    incident.review.refresh_from_db()
    assert incident.review.status == "approved"

    exported = officer_client.get(reverse("portal:incident_review_export", args=[incident.pk, "json"]))
    assert exported.status_code == 200 and b"No lockout on the API login" in exported.content
    pdf = officer_client.get(reverse("portal:incident_review_export", args=[incident.pk, "pdf"]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
