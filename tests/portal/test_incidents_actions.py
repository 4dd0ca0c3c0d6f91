"""Writing on the incident pages: declare, acknowledge, move, note. Each goes through the incidents services
(audited, one timeline line); bad input shows the form again with a clear message and writes nothing; a
role that may only read gets 403 and changes nothing; every form needs its CSRF token."""

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.choices import StaffRole
from apps.audit.models import AuditEvent
from apps.incidents.models import CustodyEvent, Incident, TimelineEntry
from tests.portal import incidents_data
from tests.second_factor import verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


DECLARE = reverse("portal:incident_declare")
GOOD = {"title": "Brute force on /portal/login/", "kind": "credential_stuffing", "severity": "high", "guild_id": ""}


def _counts() -> tuple[int, int, int]:
    return Incident.objects.count(), TimelineEntry.objects.count(), AuditEvent.objects.count()


def test_an_analyst_declares_an_incident_through_the_form(analyst_client, analyst):
    response = analyst_client.post(DECLARE, {**GOOD, "personal_data_involved": "on", "description": "40 failures"})
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("portal:incident", args=[incident.pk])
    assert (incident.title, incident.kind, incident.severity, incident.personal_data_involved) == (
        GOOD["title"], "credential_stuffing", "high", True,
    )  # fmt: skip
    assert incident.declared_by_label == analyst.username
    assert AuditEvent.objects.filter(action="incidents.declared").exists()
    assert incident.timeline.filter(kind="opened").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"title": ""}, "This field is required."),
        ({"kind": "alien_invasion"}, "Select a valid choice."),
        ({"severity": "apocalyptic"}, "Select a valid choice."),
        ({"escalation_policy": "999999"}, "That escalation policy does not exist"),
        ({"guild_id": "not-a-guild"}, "digits only"),
    ],
)
def test_bad_declarations_show_the_form_again_and_write_nothing(analyst_client, change, message):
    before = _counts()
    response = analyst_client.post(DECLARE, {**GOOD, **change})
    assert response.status_code == 400
    assert message in response.content.decode() and "was not declared" in response.content.decode()
    assert _counts() == before


def test_officers_may_not_declare_move_note_or_acknowledge(officer_client):
    incident = incidents_data.incident()
    before = _counts()
    posts = [
        (DECLARE, GOOD),
        (reverse("portal:incident_transition", args=[incident.pk]), {"status": "triaged"}),
        (reverse("portal:incident_note", args=[incident.pk]), {"text": "hello"}),
        (reverse("portal:incident_acknowledge", args=[incident.pk]), {}),
    ]
    for path, data in posts:
        assert officer_client.post(path, data).status_code == 403, path
    assert _counts() == before
    incident.refresh_from_db()
    assert (incident.status, incident.acknowledged_at) == ("new", None)


def test_a_skip_without_a_reason_is_refused_with_the_reason_and_written_nowhere(analyst_client):
    incident = incidents_data.incident()
    path = reverse("portal:incident_transition", args=[incident.pk])
    before = _counts()
    refused = analyst_client.post(path, {"status": "closed", "reason": ""})
    assert refused.status_code == 400
    assert "skips triaged, contained, eradicated, recovered: give a reason" in refused.content.decode()
    assert _counts() == before
    assert analyst_client.post(path, {"status": "sideways"}).status_code == 400
    assert _counts() == before

    assert analyst_client.post(path, {"status": "triaged"}).status_code == 302
    assert analyst_client.post(path, {"status": "recovered", "reason": "contained by the block"}).status_code == 302
    incident.refresh_from_db()
    assert incident.status == "recovered" and incident.triaged_at and incident.recovered_at
    assert incident.timeline.filter(kind="status_changed", message__contains="contained by the block").exists()


def test_notes_need_text(analyst_client):
    incident = incidents_data.incident()
    path = reverse("portal:incident_note", args=[incident.pk])
    before = _counts()
    assert analyst_client.post(path, {"text": "   "}).status_code == 400
    assert analyst_client.post(path, {"text": "x" * 2001}).status_code == 400
    assert _counts() == before
    assert analyst_client.post(path, {"text": "Called the tenant"}).status_code == 302
    assert incident.timeline.filter(kind="note", message="Called the tenant").exists()


def test_acknowledging_stops_the_escalation_and_shows_who(analyst_client, analyst):
    incident = incidents_data.incident()
    response = analyst_client.post(reverse("portal:incident_acknowledge", args=[incident.pk]))
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.acknowledged_at is not None and incident.acknowledged_by == analyst
    page = analyst_client.get(reverse("portal:incident", args=[incident.pk])).content.decode()
    assert "Acknowledged</span> by analyst" in page and ">Acknowledge</button>" not in page


def test_every_form_needs_its_csrf_token(analyst):
    client = verified_client(analyst)
    client.handler.enforce_csrf_checks = True
    incident = incidents_data.incident()
    before = _counts()
    assert client.post(DECLARE, GOOD).status_code == 403
    assert client.post(reverse("portal:incident_note", args=[incident.pk]), {"text": "x"}).status_code == 403
    assert _counts() == before


def test_actions_on_a_missing_incident_are_404(analyst_client):
    for name in ("portal:incident_transition", "portal:incident_note", "portal:incident_acknowledge"):
        assert analyst_client.post(reverse(name, args=[10**9]), {"status": "triaged", "text": "x"}).status_code == 404
    assert analyst_client.get(reverse("portal:incident_transition", args=[1])).status_code == 405


def test_every_write_refuses_anonymous_password_only_and_other_roles(staff_user, portal_user):
    incident = incidents_data.full_incident()
    evidence, clock = incident.evidence.get(), incident.clocks.get()
    steps = list(incident.step_runs.order_by("position"))
    posts = [
        DECLARE,
        reverse("portal:incident_acknowledge", args=[incident.pk]),
        reverse("portal:incident_transition", args=[incident.pk]),
        reverse("portal:incident_note", args=[incident.pk]),
        reverse("portal:incident_step_undo", args=[incident.pk, steps[0].pk]),
        reverse("portal:incident_step_done", args=[incident.pk, steps[1].pk]),
        reverse("portal:incident_evidence_add", args=[incident.pk]),
        reverse("portal:incident_evidence_download", args=[incident.pk, evidence.pk]),
        reverse("portal:incident_clock_notice", args=[incident.pk, clock.pk]),
    ]
    data = {"status": "triaged", "text": "x", "purpose": "x", "authority_notified_at": "2026-01-01 10:00"}
    password_only = Client()
    password_only.force_login(portal_user(StaffRole.SECURITY_ANALYST, username="pw-only-writer"))
    ops = verified_client(staff_user(StaffRole.OPS, username="ops-writer"))
    before = (*_counts(), CustodyEvent.objects.count())
    for path in posts:
        for client in (Client(), password_only):
            response = client.post(path, data)
            assert response.status_code == 302 and response["Location"].startswith(reverse("portal:login")), path
        assert ops.post(path, data).status_code == 403, path
    assert (*_counts(), CustodyEvent.objects.count()) == before
    incident.refresh_from_db()
    assert (incident.status, incident.acknowledged_at) == ("new", None)
