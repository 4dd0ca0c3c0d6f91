"""The fraud-case admin: evidence, members and history on the page; triage through the service, audited."""

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.choices import StaffRole
from apps.audit.models import AuditEvent
from apps.fraud.choices import CaseAction, CaseStatus, FraudKind
from apps.fraud.detectors import Finding
from apps.fraud.models import FraudLabel
from apps.fraud.services import fraud_case_record
from tests.admin.helpers import action_data, form_data
from tests.second_factor import verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(make_capper, actor):
    capper = make_capper("cheat")
    found, _ = fraud_case_record(
        finding=Finding(FraudKind.IMPROBABLE_RECORD, (capper.pk,), 0.9, "Won 40 of 45.", {"p_value": 1e-9}),
        actor=actor,
    )
    return found


def _client(staff_user, role: str, username: str) -> Client:
    return verified_client(staff_user(role, username=username))


def test_change_page_triages_through_the_service(case, staff_user):
    client = _client(staff_user, StaffRole.SECURITY_ANALYST, "ana")
    url = reverse("admin:fraud_fraudcase_change", args=[case.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert b"p_value" in page.content and case.cappers.get().member.discord_user_id.encode() in page.content

    data = form_data(page, new_status="investigating", note="Looking at the games.")
    for inline in page.context["inline_admin_formsets"]:  # the read-only inlines' management forms
        management = inline.formset.management_form
        data.update({management.add_prefix(name): value for name, value in management.initial.items()})
    response = client.post(url, data)

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.INVESTIGATING
    assert list(case.history.values_list("action", "note"))[-1] == (CaseAction.STATUS_CHANGED, "Looking at the games.")
    event = AuditEvent.objects.get(action="fraud.case_triaged")
    assert (event.actor_kind, event.actor_label, event.reason) == ("user", "ana", "Looking at the games.")


def test_confirm_action_labels_and_the_changelist_reports_precision(case, staff_user):
    client = _client(staff_user, StaffRole.SECURITY_ANALYST, "ana")
    changelist = reverse("admin:fraud_fraudcase_changelist")

    client.post(changelist, action_data("confirm", case))

    assert FraudLabel.objects.get().verdict == CaseStatus.CONFIRMED
    assert AuditEvent.objects.filter(action="fraud.case_triaged").count() == 1
    page = client.get(changelist)
    improbable = next(row for row in page.context["detector_precision"] if row["kind"] == "improbable_record")
    assert (improbable["confirmed"], improbable["precision"]) == (1, 1.0)
    assert b"detector-precision" in page.content


def test_a_compliance_officer_may_read_but_not_triage(case, staff_user):
    client = _client(staff_user, StaffRole.COMPLIANCE_OFFICER, "carla")
    url = reverse("admin:fraud_fraudcase_change", args=[case.pk])
    page = client.get(url)
    assert page.status_code == 200

    client.post(url, {"new_status": "dismissed", "note": "no"})
    client.post(reverse("admin:fraud_fraudcase_changelist"), action_data("dismiss", case))

    case.refresh_from_db()
    assert case.status == CaseStatus.NEW
    assert not AuditEvent.objects.filter(action="fraud.case_triaged").exists()
