"""Every portal page renders for the roles that may open it, refuses the others, and triage goes
through the owning app's service (audited)."""

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.choices import StaffRole
from apps.audit.models import AuditEvent
from apps.compliance.models import CheckRun, WorkflowStep
from apps.core.portal import portal_widgets
from apps.fraud.choices import CaseStatus
from apps.privacy.models import DataSubjectRequest
from apps.security.choices import AlertStatus, SecurityEventType
from apps.security.models import SecurityEvent
from tests.portal import data
from tests.second_factor import verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(superuser_no_mfa):
    """One of everything the portal lists, with a failed MFA check run (a superuser without a device)."""
    run = data.run_mfa_check()
    return {
        "run": run,
        "alert": data.security_alerts(1)[0],
        "case": data.fraud_cases(1)[0],
        "dsr": data.data_subject_requests(1)[0],
        "compliance_alert": data.compliance_alerts(1)[0],
    }


@pytest.fixture
def superuser_no_mfa(staff_user):
    return staff_user(StaffRole.SUPERUSER, username="root-without-mfa")


def _pages(rows) -> list[str]:
    framework, ref = rows["run"].requirements[0].split(":", 1)
    return [
        reverse("portal:dashboard"),
        *[reverse("portal:widget", kwargs={"name": name}) for name in portal_widgets()],
        reverse("portal:frameworks"),
        reverse("portal:framework", kwargs={"framework_id": framework}),
        reverse("portal:requirement", kwargs={"framework_id": framework, "ref": ref}),
        reverse("portal:check_run", kwargs={"run_id": rows["run"].pk}),
        reverse("portal:check_run", kwargs={"run_id": rows["run"].pk}) + "?verify=1",
        reverse("portal:reports"),
        reverse("portal:alerts"),
        reverse("portal:alerts") + "?all=1",
        reverse("portal:workflows"),
        reverse("portal:security_alerts"),
        reverse("portal:security_alerts") + "?status=new",
        reverse("portal:security_alert", kwargs={"alert_id": rows["alert"].pk}),
        reverse("portal:fraud_cases"),
        reverse("portal:fraud_case", kwargs={"case_id": rows["case"].pk}),
        reverse("portal:dsrs"),
        reverse("portal:dsr", kwargs={"request_id": rows["dsr"].pk}),
        # issue 17 officer actions
        reverse("portal:report_define"),
        reverse("portal:check_runs"),
        reverse("portal:check_runs") + f"?framework={framework}&status=fail",
        reverse("portal:check_runs") + f"?check={rows['run'].check_id}",
        reverse("portal:remediation"),
        *[reverse("portal:remediation") + f"?show={show}" for show in ("mine", "done", "all")],
        reverse("portal:remediation_new"),
        reverse("portal:remediation_new") + f"?check_run={rows['run'].pk}",
    ]


def test_every_page_renders_for_a_compliance_officer(officer_client, rows):
    for path in _pages(rows):
        response = officer_client.get(path)
        assert response.status_code == 200, path


def test_a_security_analyst_sees_only_the_pages_of_the_role(analyst_client, rows):
    nav = analyst_client.get(reverse("portal:dashboard")).content.decode()
    assert "Security alerts" in nav and "Fraud cases" in nav and "Frameworks" not in nav
    assert "/portal/frameworks/" not in nav and "/portal/check-runs/" not in nav  # no links to officer pages

    assert analyst_client.get(reverse("portal:security_alerts")).status_code == 200
    assert analyst_client.get(reverse("portal:frameworks")).status_code == 403
    refused = analyst_client.get(reverse("portal:dsrs"))
    assert refused.status_code == 403
    assert "Your role may not open this page." in refused.content.decode()  # a page that says why, and where to go
    assert reverse("portal:dashboard") in refused.content.decode()
    refusals = SecurityEvent.objects.filter(event_type=SecurityEventType.PERMISSION_DENIED).order_by("pk")
    assert [(event.details["path"], event.details["reason"]) for event in refusals] == [
        (reverse("portal:frameworks"), "Your role may not open this page."),
        (reverse("portal:dsrs"), "Your role may not open this page."),
    ]


def test_the_dashboard_shows_the_failing_check_and_the_evidence_verifies(officer_client, rows):
    run = rows["run"]
    dashboard = officer_client.get(reverse("portal:dashboard")).content.decode()
    assert f'data-check="{run.check_id}"' in dashboard

    evidence = officer_client.get(reverse("portal:check_run", kwargs={"run_id": run.pk}) + "?verify=1")
    body = evidence.content.decode()
    assert run.evidence_sha256 in body
    assert "root-without-mfa" in body  # the evidence names the account
    assert "matches its SHA-256" in body


def test_tampered_evidence_does_not_verify(officer_client, rows):
    CheckRun.objects.filter(pk=rows["run"].pk).update(evidence={"privileged_users": 0})

    response = officer_client.get(reverse("portal:check_run", kwargs={"run_id": rows["run"].pk}) + "?verify=1")

    assert b"does NOT match" in response.content


def test_an_analyst_triages_a_security_alert_through_the_service(analyst, analyst_client, rows):
    alert = rows["alert"]
    url = reverse("portal:security_alert_triage", kwargs={"alert_id": alert.pk})

    response = analyst_client.post(url, {"status": AlertStatus.ACKNOWLEDGED, "assign": "me", "note": "looking"})

    assert response.status_code == 302
    alert.refresh_from_db()
    assert (alert.status, alert.assignee) == (AlertStatus.ACKNOWLEDGED, analyst)
    assert AuditEvent.objects.filter(action="security.alert_triaged", actor_label="analyst").exists()
    refused = analyst_client.post(url, {"status": AlertStatus.NEW}, follow=True)  # not a legal transition
    assert b"cannot become new" in refused.content


def test_a_compliance_officer_reads_alerts_but_may_not_triage(officer_client, rows):
    alert = rows["alert"]

    response = officer_client.post(
        reverse("portal:security_alert_triage", kwargs={"alert_id": alert.pk}), {"status": "resolved"}, follow=True
    )

    assert b"may read alerts but not triage" in response.content
    alert.refresh_from_db()
    assert alert.status == AlertStatus.NEW


def test_an_analyst_triages_a_fraud_case(analyst_client, rows):
    case = rows["case"]

    analyst_client.post(
        reverse("portal:fraud_case_triage", kwargs={"case_id": case.pk}),
        {"status": CaseStatus.INVESTIGATING, "note": "checking the timestamps"},
    )

    case.refresh_from_db()
    assert case.status == CaseStatus.INVESTIGATING
    assert AuditEvent.objects.filter(action="fraud.case_triaged", target_id=str(case.pk)).exists()


def test_acknowledging_a_compliance_alert(officer, officer_client, rows):
    alert = rows["compliance_alert"]

    response = officer_client.post(reverse("portal:alert_acknowledge", kwargs={"alert_id": alert.pk}))

    assert response.status_code == 302
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by) == ("acknowledged", officer)


def test_page_links_of_the_compliance_alerts_keep_the_other_query_parameters(officer_client, settings):
    settings.PORTAL_PAGE_SIZE = 2
    data.compliance_alerts(5)

    page = officer_client.get(reverse("portal:alerts"), {"all": "1", "page": "2"}).content.decode()

    assert "Page 2 of 3" in page
    assert 'href="?all=1&amp;page=1">Previous' in page
    assert 'href="?all=1&amp;page=3">Next' in page


def test_unknown_rows_are_404(officer_client, db):
    for path in [
        reverse("portal:widget", kwargs={"name": "nope"}),
        reverse("portal:framework", kwargs={"framework_id": "nope"}),
        reverse("portal:requirement", kwargs={"framework_id": "gdpr", "ref": "nope"}),
        reverse("portal:check_run", kwargs={"run_id": 999999}),
        reverse("portal:security_alert", kwargs={"alert_id": 999999}),
        reverse("portal:fraud_case", kwargs={"case_id": 999999}),
        reverse("portal:dsr", kwargs={"request_id": 999999}),
    ]:
        assert officer_client.get(path).status_code == 404, path


def test_staff_without_a_portal_role_are_refused(staff_user):
    ops = staff_user(StaffRole.OPS, username="ops-person")
    client = Client()
    client.force_login(ops)

    assert client.get(reverse("portal:dashboard")).status_code == 403


def test_writes_need_post(officer_client, rows):
    url = reverse("portal:security_alert_triage", kwargs={"alert_id": rows["alert"].pk})
    assert officer_client.get(url).status_code == 405


def test_superusers_see_every_page_in_the_navigation(portal_user):
    client = verified_client(portal_user(StaffRole.SUPERUSER, username="root-with-mfa"))

    nav = client.get(reverse("portal:dashboard")).content.decode()

    for title in ("Frameworks", "Reports", "Compliance alerts", "Workflow inbox", "Security alerts", "Data-subject"):
        assert title in nav


def test_the_workflow_inbox_claims_and_completes_a_step(
    officer, officer_client, analyst_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        data.data_subject_requests(1)  # starts the data-subject request workflow (first step: officers)
    inbox = officer_client.get(reverse("portal:workflows")).content.decode()
    assert "Verify identity" in inbox and 'name="verification_method"' in inbox
    assert "Verify identity" not in analyst_client.get(reverse("portal:workflows")).content.decode()
    step = WorkflowStep.objects.get(name="Verify identity")

    officer_client.post(reverse("portal:workflow_step_action", kwargs={"step_id": step.pk, "action": "claim"}))
    refused = officer_client.post(
        reverse("portal:workflow_step_action", kwargs={"step_id": step.pk, "action": "fail"}), follow=True
    )
    complete = reverse("portal:workflow_step_action", kwargs={"step_id": step.pk, "action": "complete"})
    without_method = officer_client.post(complete, {"notes": "ok"}, follow=True)
    officer_client.post(complete, {"notes": "asked on Discord", "verification_method": "discord_dm"})

    assert b"Say why the step failed" in refused.content
    assert b"choose a verification method to complete this step" in without_method.content
    step.refresh_from_db()
    assert (step.status, step.assignee, step.completed_by) == ("completed", officer, officer)
    request = DataSubjectRequest.objects.get(pk=step.instance.subject_id)  # the step verified the request itself
    assert (request.status, request.verification_method, request.verification_note, request.verified_by) == (
        "in_progress", "discord_dm", "asked on Discord", "officer"
    )  # fmt: skip
    assert "Gather data" in officer_client.get(reverse("portal:workflows")).content.decode()
