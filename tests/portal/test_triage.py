"""Triage in the portal (issue 17): security alerts (acknowledge, assign to anyone, resolve, dismiss as a false
positive, with a note), fraud cases (assign, escalate, close with an outcome), compliance alerts (acknowledge,
resolve with a note), bulk triage on the lists (all or nothing) and "assigned to me". Each action goes through
the domain's service and is audited; a role without the permission gets 403 and changes nothing; bad input is
a 4xx and writes nothing."""

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from apps.accounts.choices import StaffRole
from apps.audit.models import AuditEvent
from apps.compliance.models import ComplianceAlert
from apps.core.models import OutboxMessage
from apps.fraud.choices import CaseStatus
from apps.fraud.models import FraudCase, FraudCaseEvent, FraudLabel
from apps.security.choices import AlertStatus
from apps.security.models import Alert
from tests.portal import data
from tests.second_factor import verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_analyst(portal_user):
    return portal_user(StaffRole.SECURITY_ANALYST, username="other-analyst")


def _snapshot(model, rows) -> list:
    return [model_to_dict(model.objects.get(pk=row.pk)) for row in rows] + [AuditEvent.objects.count()]


# --- security alerts: one alert ------------------------------------------------------------------


def test_an_analyst_assigns_an_alert_to_a_colleague_and_dismisses_it_as_a_false_positive(analyst_client, other_analyst):
    alert = data.security_alerts(1)[0]
    url = reverse("portal:security_alert_triage", kwargs={"alert_id": alert.pk})
    page = analyst_client.get(reverse("portal:security_alert", kwargs={"alert_id": alert.pk})).content.decode()
    assert '<option value="other-analyst">other-analyst</option>' in page and 'for="triage-assign"' in page

    assigned = analyst_client.post(url, {"assign": "other-analyst", "note": "yours"})
    dismissed = analyst_client.post(url, {"status": AlertStatus.DISMISSED, "note": "our own load test"})
    unassigned = analyst_client.post(url, {"assign": "-"})

    assert assigned.status_code == dismissed.status_code == unassigned.status_code == 302
    alert.refresh_from_db()
    assert (alert.status, alert.assignee) == (AlertStatus.DISMISSED, None)
    notes = list(alert.activities.filter(action="noted").values_list("note", flat=True))
    assert notes == ["yours", "our own load test"]
    assert AuditEvent.objects.filter(action="security.alert_triaged", target_id=str(alert.pk)).count() == 3


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"assign": "nobody-here"}, "No staff user named"),
        ({"status": "bogus"}, "cannot become bogus"),
        ({}, "Nothing to change"),
    ],
)
def test_bad_alert_triage_is_a_4xx_and_changes_nothing(analyst_client, form, message):
    alert = data.security_alerts(1)[0]
    before = _snapshot(Alert, [alert])

    response = analyst_client.post(reverse("portal:security_alert_triage", kwargs={"alert_id": alert.pk}), form)

    assert response.status_code == 400 and message in response.content.decode()
    assert _snapshot(Alert, [alert]) == before


def test_an_officer_may_read_but_not_triage_an_alert(officer_client):
    alert = data.security_alerts(1)[0]
    before = _snapshot(Alert, [alert])

    one = officer_client.post(
        reverse("portal:security_alert_triage", kwargs={"alert_id": alert.pk}), {"status": "resolved"}
    )
    bulk = officer_client.post(reverse("portal:security_alerts_bulk"), {"rows": [alert.pk], "action": "resolve"})

    assert one.status_code == bulk.status_code == 403
    assert b"may read alerts but not triage" in one.content
    assert _snapshot(Alert, [alert]) == before


# --- security alerts: bulk and "assigned to me" ----------------------------------------------------


def test_bulk_acknowledge_then_resolve_with_a_note(analyst, analyst_client):
    alerts = data.security_alerts(3)
    url = reverse("portal:security_alerts_bulk") + "?status=new"
    listing = analyst_client.get(reverse("portal:security_alerts")).content.decode()
    assert 'form="bulk"' in listing and 'name="action"' in listing

    acknowledged = analyst_client.post(url, {"rows": [a.pk for a in alerts[:2]], "action": "acknowledge"})
    mine = analyst_client.post(url, {"rows": [alerts[0].pk], "action": "assign_me"})
    resolved = analyst_client.post(url, {"rows": [a.pk for a in alerts[:2]], "action": "resolve", "note": "patched"})

    assert acknowledged.status_code == mine.status_code == resolved.status_code == 302
    assert resolved["Location"] == reverse("portal:security_alerts") + "?status=new"  # the list as it was filtered
    rows = {a.pk: a for a in Alert.objects.filter(pk__in=[a.pk for a in alerts])}
    assert [rows[a.pk].status for a in alerts] == [AlertStatus.RESOLVED, AlertStatus.RESOLVED, AlertStatus.NEW]
    assert rows[alerts[0].pk].assignee == analyst
    assert AuditEvent.objects.filter(action="security.alert_triaged").count() == 5
    page = analyst_client.get(reverse("portal:security_alerts"), {"assignee": "me"}).content.decode()
    assert f'id="row-{alerts[0].pk}"' in page and f'id="row-{alerts[1].pk}"' not in page


def test_a_bulk_refusal_writes_nothing_for_any_row(analyst_client):
    alerts = data.security_alerts(2)
    analyst_client.post(reverse("portal:security_alerts_bulk"), {"rows": [alerts[1].pk], "action": "resolve"})
    before = _snapshot(Alert, alerts)

    # a new alert may be dismissed, a resolved one may not (only acknowledged again): neither changes
    response = analyst_client.post(
        reverse("portal:security_alerts_bulk"), {"rows": [a.pk for a in alerts], "action": "dismiss"}
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert (
        f"#{alerts[1].pk}: An alert that is resolved cannot become dismissed" in body and "Nothing was changed." in body
    )
    assert _snapshot(Alert, alerts) == before


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"action": "resolve"}, "Select at least one row."),
        ({"rows": ["999999"], "action": "resolve"}, "does not exist"),
        ({"rows": ["abc"], "action": "resolve"}, "is not a row number"),
        ({"rows": ["ROW"], "action": "explode"}, "Choose one of the listed actions."),
        ({"rows": ["ROW"], "action": "resolve", "note": "x" * 2001}, "at most 2000 characters"),
    ],
)
def test_bad_bulk_input_is_a_400_and_writes_nothing(analyst_client, form, message):
    alert = data.security_alerts(1)[0]
    form = {
        name: [str(alert.pk) if v == "ROW" else v for v in value] if name == "rows" else value
        for name, value in form.items()
    }
    before = _snapshot(Alert, [alert])

    response = analyst_client.post(reverse("portal:security_alerts_bulk"), form)

    assert response.status_code == 400 and message in response.content.decode()
    assert _snapshot(Alert, [alert]) == before


# --- fraud cases -----------------------------------------------------------------------------------


def test_an_analyst_assigns_escalates_and_closes_a_case_with_its_outcome(analyst_client, other_analyst):
    case = data.fraud_cases(1)[0]
    url = reverse("portal:fraud_case_triage", kwargs={"case_id": case.pk})
    page = analyst_client.get(reverse("portal:fraud_case", kwargs={"case_id": case.pk})).content.decode()
    assert reverse("portal:incident_declare") + "?title=Fraud+case" in page  # escalate: declare an incident

    analyst_client.post(url, {"assign": "other-analyst"})
    analyst_client.post(url, {"status": CaseStatus.INVESTIGATING, "note": "escalated: same device"})
    closed = analyst_client.post(url, {"status": CaseStatus.CONFIRMED, "note": "timestamps prove it"})

    assert closed.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.assignee.get_username()) == (CaseStatus.CONFIRMED, "other-analyst")
    assert FraudLabel.objects.get(case=case).verdict == CaseStatus.CONFIRMED
    assert FraudCaseEvent.objects.filter(case=case, note="timestamps prove it").exists()
    assert AuditEvent.objects.filter(action="fraud.case_triaged", target_id=str(case.pk)).count() == 3


def test_the_declare_form_comes_filled_in_from_the_case(analyst_client):
    case = data.fraud_cases(1)[0]
    page = analyst_client.get(reverse("portal:fraud_case", kwargs={"case_id": case.pk})).content.decode()
    query = page.split(reverse("portal:incident_declare") + "?", 1)[1].split('"', 1)[0].replace("&amp;", "&")

    declare = analyst_client.get(reverse("portal:incident_declare") + "?" + query).content.decode()

    assert f'value="Fraud case #{case.pk}: Late posting"' in declare
    assert '<option value="fraud_ring" selected>' in declare


def test_bulk_close_cases_as_dismissed_and_a_bad_transition_writes_nothing(analyst, analyst_client):
    cases = data.fraud_cases(3)
    url = reverse("portal:fraud_cases_bulk")

    analyst_client.post(url, {"rows": [cases[0].pk, cases[1].pk], "action": "assign_me"})
    done = analyst_client.post(url, {"rows": [cases[0].pk, cases[1].pk], "action": "dismiss", "note": "same family"})
    before = _snapshot(FraudCase, cases)
    # a dismissed case may only go back to investigating: confirming it straight away is refused, for every row
    refused = analyst_client.post(url, {"rows": [c.pk for c in cases], "action": "confirm"})

    assert done.status_code == 302
    assert refused.status_code == 400 and f"#{cases[0].pk}:" in refused.content.decode()
    assert _snapshot(FraudCase, cases) == before
    statuses = list(
        FraudCase.objects.filter(pk__in=[c.pk for c in cases]).order_by("pk").values_list("status", flat=True)
    )
    assert statuses == [CaseStatus.DISMISSED, CaseStatus.DISMISSED, CaseStatus.NEW]
    page = analyst_client.get(reverse("portal:fraud_cases"), {"assignee": "me"}).content.decode()
    assert f'id="row-{cases[0].pk}"' in page and f'id="row-{cases[2].pk}"' not in page


def test_run_a_scan_now_enqueues_the_scheduled_scan_and_is_audited(analyst_client, officer_client):
    before = OutboxMessage.objects.filter(task_name="apps.fraud.tasks.fraud_scan_task").count()

    refused = officer_client.post(reverse("portal:fraud_scan_now"))
    assert refused.status_code == 403 and not AuditEvent.objects.filter(action="fraud.scan_requested").exists()
    response = analyst_client.post(reverse("portal:fraud_scan_now"))

    assert response.status_code == 302 and response["Location"] == reverse("portal:fraud_cases")
    assert OutboxMessage.objects.filter(task_name="apps.fraud.tasks.fraud_scan_task").count() == before + 1
    assert AuditEvent.objects.get(action="fraud.scan_requested").actor_label == "analyst"
    assert analyst_client.get(reverse("portal:fraud_scan_now")).status_code == 405


def test_an_officer_may_not_triage_cases(officer_client):
    case = data.fraud_cases(1)[0]
    before = _snapshot(FraudCase, [case])

    one = officer_client.post(reverse("portal:fraud_case_triage", kwargs={"case_id": case.pk}), {"status": "dismissed"})
    bulk = officer_client.post(reverse("portal:fraud_cases_bulk"), {"rows": [case.pk], "action": "dismiss"})

    assert one.status_code == bulk.status_code == 403
    assert _snapshot(FraudCase, [case]) == before


# --- compliance alerts -----------------------------------------------------------------------------


def test_an_officer_resolves_a_compliance_alert_with_a_note(officer, officer_client):
    alert = data.compliance_alerts(1)[0]
    url = reverse("portal:alert_resolve", kwargs={"alert_id": alert.pk})
    before = _snapshot(ComplianceAlert, [alert])

    without_note = officer_client.post(url, {"note": "  "})
    assert without_note.status_code == 400 and "Say how the alert was resolved." in without_note.content.decode()
    assert _snapshot(ComplianceAlert, [alert]) == before
    resolved = officer_client.post(url, {"note": "MFA enrolled for root"})

    assert resolved.status_code == 302
    alert.refresh_from_db()
    assert (alert.status, alert.resolved_by, alert.resolution_note) == ("resolved", officer, "MFA enrolled for root")
    event = AuditEvent.objects.get(action="compliance.alert_resolved", target_id=str(alert.pk))
    assert (event.actor_label, event.reason) == ("officer", "MFA enrolled for root")
    again = officer_client.post(url, {"note": "twice"})
    assert again.status_code == 409


def test_bulk_acknowledge_compliance_alerts_and_acknowledged_by_me(officer, officer_client):
    alerts = data.compliance_alerts(3)

    response = officer_client.post(
        reverse("portal:alerts_bulk"), {"rows": [a.pk for a in alerts[:2]], "action": "acknowledge"}
    )
    resolve_without_note = officer_client.post(
        reverse("portal:alerts_bulk"), {"rows": [alerts[2].pk], "action": "resolve"}
    )

    assert response.status_code == 302 and resolve_without_note.status_code == 400
    statuses = list(
        ComplianceAlert.objects.filter(pk__in=[a.pk for a in alerts]).order_by("pk").values_list("status", flat=True)
    )
    assert statuses == ["acknowledged", "acknowledged", "open"]
    page = officer_client.get(reverse("portal:alerts"), {"assignee": "me"}).content.decode()
    assert f'data-alert="{alerts[0].pk}"' in page and f'data-alert="{alerts[2].pk}"' not in page
    assert AuditEvent.objects.filter(action="compliance.alert_acknowledged", actor_label="officer").count() == 2


def test_a_role_without_the_permission_may_not_handle_compliance_alerts(portal_user):
    # a superuser holds every permission; an officer's permission is taken away to stand for a reader
    reader = portal_user(StaffRole.COMPLIANCE_OFFICER, username="reader")
    client = verified_client(reader)
    alert = data.compliance_alerts(1)[0]
    reader.groups.first().permissions.remove(
        *reader.groups.first().permissions.filter(codename="change_compliancealert")
    )
    before = _snapshot(ComplianceAlert, [alert])

    responses = [
        client.post(reverse("portal:alert_acknowledge", kwargs={"alert_id": alert.pk})),
        client.post(reverse("portal:alert_resolve", kwargs={"alert_id": alert.pk}), {"note": "x"}),
        client.post(reverse("portal:alerts_bulk"), {"rows": [alert.pk], "action": "acknowledge"}),
    ]

    assert [response.status_code for response in responses] == [403, 403, 403]
    assert _snapshot(ComplianceAlert, [alert]) == before
