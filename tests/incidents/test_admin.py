"""The incident admin: read-mostly, changes through the services (audited, on the timeline); incident rules
are edited as data. Every page needs the verified second factor."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.choices import StaffRole
from apps.audit.models import AuditEvent
from apps.incidents.models import IncidentRule
from tests.admin.helpers import form_data
from tests.second_factor import verified_client

pytestmark = pytest.mark.django_db


def _with_inline_management(page, data: dict) -> dict:
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management.add_prefix(name): value for name, value in management.initial.items()})
    return data


def test_the_change_page_moves_assigns_and_notes_through_the_services(make_incident, staff_user):
    analyst = staff_user(StaffRole.SECURITY_ANALYST, username="ana")
    client = verified_client(analyst)
    incident = make_incident()
    url = reverse("admin:incidents_incident_change", args=[incident.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert b"Suspicious logins" in page.content

    data = _with_inline_management(
        page, form_data(page, owner=str(analyst.pk), new_status="triaged", note="Looking into it.")
    )
    response = client.post(url, data)

    assert response.status_code == 302, response.content
    incident.refresh_from_db()
    assert (incident.status, incident.owner) == ("triaged", analyst)
    lines = incident.timeline.exclude(kind="clock")  # the regulatory clock's own line is tested in test_clocks
    assert list(lines.values_list("kind", flat=True)) == ["opened", "assigned", "status_changed", "note"]
    actions = set(AuditEvent.objects.filter(actor_label="ana").values_list("action", flat=True))
    assert {"incidents.updated", "incidents.status_changed", "incidents.noted"} <= actions


def test_a_refused_move_is_a_message_and_changes_nothing(make_incident, staff_user):
    client = verified_client(staff_user(StaffRole.SECURITY_ANALYST, username="ana"))
    incident = make_incident()
    url = reverse("admin:incidents_incident_change", args=[incident.pk])
    page = client.get(url)

    response = client.post(url, _with_inline_management(page, form_data(page, new_status="closed")), follow=True)

    assert b"give a reason" in response.content
    incident.refresh_from_db()
    assert incident.status == "new"
    assert list(incident.timeline.values_list("kind", flat=True)) == ["opened", "clock"]  # as declared


def test_incidents_cannot_be_added_or_deleted_in_the_admin(make_incident, staff_user):
    client = verified_client(staff_user(StaffRole.SUPERUSER, username="root"))
    incident = make_incident()

    assert client.get(reverse("admin:incidents_incident_add")).status_code == 403
    assert client.get(reverse("admin:incidents_incident_delete", args=[incident.pk])).status_code == 403


def test_the_changelist_costs_the_same_for_few_and_many(make_incident, staff_user):
    client = verified_client(staff_user(StaffRole.SECURITY_ANALYST, username="ana"))
    url = reverse("admin:incidents_incident_changelist")
    make_incident()

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    few = queries()
    for number in range(10):
        make_incident(title=f"Incident {number}", owner=staff_user(StaffRole.SECURITY_ANALYST, username=f"o{number}"))
    assert queries() == few


def test_a_superuser_edits_an_incident_rule(staff_user):
    client = verified_client(staff_user(StaffRole.SUPERUSER, username="root"))
    rule = IncidentRule.objects.get(name="Brute force or account takeover")
    url = reverse("admin:incidents_incidentrule_change", args=[rule.pk])
    page = client.get(url)

    response = client.post(url, form_data(page, dedup_window_minutes="15", min_severity="critical"))

    assert response.status_code == 302, response.content
    rule.refresh_from_db()
    assert (rule.dedup_window_minutes, rule.min_severity) == (15, "critical")


def test_a_rule_with_a_list_its_source_does_not_read_is_refused(staff_user):
    client = verified_client(staff_user(StaffRole.SUPERUSER, username="root"))
    rule = IncidentRule.objects.get(name="Brute force or account takeover")
    url = reverse("admin:incidents_incidentrule_change", args=[rule.pk])
    page = client.get(url)

    response = client.post(url, form_data(page, fraud_kinds='["copy_ring"]'))

    assert response.status_code == 200
    assert b"does not read this list" in response.content
    rule.refresh_from_db()
    assert rule.fraud_kinds == []


def test_an_analyst_sees_the_rules_but_cannot_change_them(staff_user):
    client = verified_client(staff_user(StaffRole.SECURITY_ANALYST, username="ana"))
    rule = IncidentRule.objects.get(name="Brute force or account takeover")

    assert client.get(reverse("admin:incidents_incidentrule_changelist")).status_code == 200
    page = client.get(reverse("admin:incidents_incidentrule_change", args=[rule.pk]))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False


def test_the_admin_pages_need_the_second_factor(client, staff_user):
    user = staff_user(StaffRole.SUPERUSER, username="root")
    client.force_login(user)

    response = client.get(reverse("admin:incidents_incident_changelist"))

    assert response.status_code == 302
