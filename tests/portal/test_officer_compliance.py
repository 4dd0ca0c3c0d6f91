"""Issue 17: a compliance officer acts in the portal. Define a report and build it now, run a framework's checks
or one check now (queued through the outbox; the runs appear), attest a requirement with an evidence file (its
SHA-256 stored, counted in the score). Each action is audited; bad input answers 4xx with the form's message and
writes nothing; analysts, sessions without a second factor and anonymous visitors change nothing."""

import hashlib
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.compliance.models import CheckRun, ManualAttestation, ReportDefinition, ReportRun
from apps.compliance.selectors import framework_scores
from apps.core.models import OutboxMessage
from tests.portal import data

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% policy signed by the board\n" + b"0" * 64
VALID_UNTIL = (date.today() + timedelta(days=200)).isoformat()
SMALL_FRAMEWORK = "ccpa"  # four checks: a quick framework run


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _upload(name="policy.pdf", content=PDF, content_type="application/pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: PLC0415

    return SimpleUploadedFile(name, content, content_type=content_type)


def _attest(client, ref="PT-2", **fields):
    payload = {"statement": "The board approved the policy.", "expires_on": VALID_UNTIL, "evidence": _upload()}
    payload.update(fields)
    return client.post(reverse("portal:requirement_attest", kwargs={"framework_id": "portaltest", "ref": ref}), payload)


def _writes() -> tuple:
    return (
        ReportDefinition.objects.count(),
        ManualAttestation.objects.count(),
        OutboxMessage.objects.filter(task_name__endswith="checks_run_task").count(),
        AuditEvent.objects.filter(action__startswith="compliance.").count(),
    )


# --- define a report and run it now ---------------------------------------------------------------


def test_an_officer_defines_a_report_and_its_first_version_is_built(officer_client, django_capture_on_commit_callbacks):
    form = officer_client.get(reverse("portal:report_define")).content.decode()
    assert 'for="report_kind"' in form and 'for="report_cron"' in form and "PDF, CSV and JSON" in form

    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(
            reverse("portal:report_define"),
            {
                "name": "Weekly SOC 2 status",
                "kind": "framework_status",
                "framework": "soc2",
                "parameters": '{"include_passing": true}',
                "cron": "0 6 * * 1",
                "recipients": "dpo@example.com, audit@example.com",
                "run_now": "on",
            },
        )

    assert response.status_code == 302 and response["Location"] == reverse("portal:reports")
    definition = ReportDefinition.objects.get(name="Weekly SOC 2 status")
    assert (definition.kind, definition.framework_id, definition.cron) == ("framework_status", "soc2", "0 6 * * 1")
    assert definition.parameters == {"include_passing": True} and definition.periodic_task is not None
    assert definition.recipients == ["dpo@example.com", "audit@example.com"]
    run = ReportRun.objects.get(definition=definition)  # "run now": queued through the outbox, built by the task
    assert run.status == "succeeded" and sorted(run.files.values_list("format", flat=True)) == ["csv", "json", "pdf"]
    created = AuditEvent.objects.get(action="compliance.report_definition_created", target_id=str(definition.pk))
    assert created.actor_label == "officer"
    library = officer_client.get(reverse("portal:reports")).content.decode()
    assert "Weekly SOC 2 status" in library and "v1" in library


def test_a_report_defined_without_run_now_waits_for_its_schedule(officer_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        officer_client.post(reverse("portal:report_define"), {"name": "On demand", "kind": "dsr_statistics"})

    definition = ReportDefinition.objects.get(name="On demand")
    assert definition.cron == "" and definition.periodic_task is None and not definition.runs.exists()


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"name": ""}, 400, "This field is required."),
        ({"kind": "tax_return"}, 400, "Select a valid choice."),
        ({"parameters": "{days: 3"}, 400, "Write the parameters as a JSON object"),
        ({"parameters": '{"colour": "red"}'}, 400, "Unknown parameter(s) colour"),
        ({"cron": "every monday"}, 400, "cron"),
        ({"recipients": "not-an-address"}, 400, "not-an-address"),
        ({"framework": "nope"}, 400, "That framework does not exist"),
    ],
)
def test_bad_report_definitions_show_the_form_again_and_write_nothing(officer_client, fields, status, message):
    before = _writes()
    payload = {"name": "Bad one", "kind": "framework_status", **fields}

    response = officer_client.post(reverse("portal:report_define"), payload)

    assert response.status_code == status
    assert message.lower() in response.content.decode().lower()
    assert _writes() == before


def test_a_second_report_with_the_same_name_is_a_conflict(officer_client):
    officer_client.post(reverse("portal:report_define"), {"name": "Twice", "kind": "dsr_statistics"})
    before = _writes()

    response = officer_client.post(reverse("portal:report_define"), {"name": "Twice", "kind": "dsr_statistics"})

    assert response.status_code == 409 and "already exists" in response.content.decode()
    assert _writes() == before


def test_the_empty_report_library_links_to_the_definition_form(officer_client):
    page = officer_client.get(reverse("portal:reports")).content.decode()

    assert "No report is defined yet." in page and f'href="{reverse("portal:report_define")}"' in page


# --- run checks now -------------------------------------------------------------------------------


def test_running_a_frameworks_checks_now_queues_them_and_the_runs_appear(
    officer_client, django_capture_on_commit_callbacks
):
    framework_page = officer_client.get(reverse("portal:framework", kwargs={"framework_id": SMALL_FRAMEWORK}))
    assert b"Run checks now" in framework_page.content

    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(reverse("portal:checks_run_now"), {"framework": SMALL_FRAMEWORK})

    message = OutboxMessage.objects.get(task_name="apps.compliance.tasks.checks_run_task")
    assert message.kwargs == {"framework": SMALL_FRAMEWORK, "check_id": None} and message.completed_at is not None
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('portal:check_runs')}?framework={SMALL_FRAMEWORK}&request={message.pk}"
    runs = CheckRun.objects.filter(trigger="manual")
    assert runs.count() == 4
    page = officer_client.get(response["Location"]).content.decode()
    assert "The requested run finished" in page and "data-pending" not in page
    assert all(f'data-run="{run.pk}"' in page for run in runs)
    event = AuditEvent.objects.get(action="compliance.checks_run_requested")
    assert (event.actor_label, event.target_id, event.changes["checks"]["after"]) == ("officer", SMALL_FRAMEWORK, 4)


def test_a_queued_run_says_it_waits_for_the_worker(officer_client):
    response = officer_client.post(reverse("portal:checks_run_now"), {"check_id": data.MFA_CHECK})  # not committed

    page = officer_client.get(response["Location"]).content.decode()
    assert "the worker has not run it yet" in page and "Reload to see its results" in page
    assert "data-pending" in page and "portal/check_runs.js" in page  # the page fetches itself until the runs come
    assert not CheckRun.objects.exists()


def test_running_one_check_again_from_its_run(officer_client, superuser_no_mfa, django_capture_on_commit_callbacks):
    first = data.run_mfa_check()
    run_page = officer_client.get(reverse("portal:check_run", kwargs={"run_id": first.pk})).content.decode()
    assert "Run this check again now" in run_page

    with django_capture_on_commit_callbacks(execute=True):
        officer_client.post(reverse("portal:checks_run_now"), {"check_id": first.check_id})

    again = CheckRun.objects.exclude(pk=first.pk).get()
    assert (again.check_id, again.trigger, again.status) == (first.check_id, "manual", "fail")
    requirement = first.requirements[0].split(":", 1)
    page = officer_client.get(
        reverse("portal:requirement", kwargs={"framework_id": requirement[0], "ref": requirement[1]})
    )
    assert f'data-run="{again.pk}"' in page.content.decode()


@pytest.fixture
def superuser_no_mfa(staff_user):
    return staff_user("superuser", username="root-without-mfa")


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({}, "Choose a framework or a single check to run."),
        ({"framework": SMALL_FRAMEWORK, "check_id": data.MFA_CHECK}, "Choose a framework or a single check to run."),
        ({"check_id": "no.such_check"}, "No check &#x27;no.such_check&#x27; is registered."),
        ({"framework": "nope"}, "That framework does not exist."),
        ({"framework": "portaltest"}, "No automated check evidences Portal Test Framework"),
    ],
)
def test_bad_run_requests_answer_400_and_queue_nothing(officer_client, catalogue, payload, message):
    before = _writes()

    response = officer_client.post(reverse("portal:checks_run_now"), payload)

    assert response.status_code == 400 and message in response.content.decode()
    assert _writes() == before


# --- attest a requirement with evidence -------------------------------------------------------------


def test_an_officer_attests_a_requirement_with_evidence_and_it_counts_in_the_score(officer, officer_client, catalogue):
    assert framework_scores(framework_id="portaltest")[0]["attested"] == 0
    page = officer_client.get(reverse("portal:requirement", kwargs={"framework_id": "portaltest", "ref": "PT-2"}))
    assert b"counts as manual" in page.content and b'enctype="multipart/form-data"' in page.content

    response = _attest(officer_client)

    assert response.status_code == 302
    attestation = ManualAttestation.objects.get()
    assert attestation.owner == officer and attestation.requirement.key == "portaltest:PT-2"
    assert attestation.evidence_sha256 == hashlib.sha256(PDF).hexdigest()
    assert attestation.expires_at.date().isoformat() == VALID_UNTIL
    score = framework_scores(framework_id="portaltest")[0]
    assert (score["attested"], score["score"]) == (1, 100.0)  # attested counts as passing, as in the domain model
    shown = officer_client.get(response["Location"]).content.decode()
    assert "Attested by officer" in shown and attestation.evidence_sha256 in shown and "policy.pdf" in shown
    assert AuditEvent.objects.get(action="compliance.attestation_created").actor_label == "officer"

    download = officer_client.get(reverse("portal:attestation_evidence", kwargs={"attestation_id": attestation.pk}))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert download["X-Content-SHA256"] == attestation.evidence_sha256
    assert AuditEvent.objects.filter(action="compliance.attestation_evidence_downloaded").count() == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"evidence": _upload(content=PDF * 10)}, "evidence may be at most 100 bytes"),
        ({"evidence": _upload("tool.exe", b"MZ\x90\x00")}, "Files of type .exe are not accepted"),
        ({"evidence": _upload("policy.pdf", b"just text, not a PDF")}, "not a .pdf file"),
        ({"evidence": _upload("empty.txt", b"")}, "The submitted file is empty."),
        ({"evidence": ""}, "This field is required."),
        ({"statement": ""}, "This field is required."),
        ({"expires_on": "2001-01-01"}, "Choose a day after today."),
        ({"expires_on": "2099-12-31"}, "valid for at most three years"),
        ({"expires_on": "someday"}, "Enter a valid date."),
    ],
)
def test_bad_attestations_show_the_form_again_and_write_nothing(officer_client, catalogue, settings, fields, message):
    settings.COMPLIANCE_EVIDENCE_MAX_BYTES = 100
    before = _writes()

    response = _attest(officer_client, **fields)

    assert response.status_code == 400 and message in response.content.decode()
    assert _writes() == before


def test_a_group_or_unknown_requirement_cannot_be_attested(officer_client, catalogue):
    assert _attest(officer_client, ref="PT-1").status_code == 404  # a heading of the tree
    assert _attest(officer_client, ref="PT-9").status_code == 404
    assert not ManualAttestation.objects.exists()


# --- who may act ----------------------------------------------------------------------------------


def _actions(catalogue) -> list[tuple[str, dict]]:
    return [
        (reverse("portal:report_define"), {"name": "Sneaky", "kind": "dsr_statistics", "run_now": "on"}),
        (reverse("portal:checks_run_now"), {"check_id": data.MFA_CHECK}),
        (
            reverse("portal:requirement_attest", kwargs={"framework_id": "portaltest", "ref": "PT-2"}),
            {"statement": "x", "expires_on": VALID_UNTIL, "evidence": _upload()},
        ),
    ]


def test_analysts_are_refused_every_officer_action(analyst_client, catalogue):
    before = _writes()
    for path, payload in _actions(catalogue):
        assert analyst_client.post(path, payload).status_code == 403, path
    assert _writes() == before


def test_sessions_without_a_second_factor_and_anonymous_visitors_change_nothing(portal_user, catalogue):
    officer = portal_user("compliance_officer", username="officer-no-2fa")
    password_only = Client()
    password_only.force_login(officer)  # signed in, second factor not verified
    before = _writes()
    for client in (password_only, Client()):
        for path, payload in _actions(catalogue):
            response = client.post(path, payload)
            assert response.status_code == 302 and response["Location"].startswith(reverse("portal:login")), path
    assert _writes() == before


def test_an_officer_without_the_permission_is_refused(officer, officer_client, catalogue):
    from django.contrib.auth.models import Permission  # noqa: PLC0415

    officer.groups.get().permissions.remove(Permission.objects.get(codename="add_manualattestation"))
    response = _attest(officer_client)
    assert response.status_code == 403 and not ManualAttestation.objects.exists()
