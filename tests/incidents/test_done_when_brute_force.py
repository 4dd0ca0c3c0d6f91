"""Issue #13 "Done when": a real brute-force attack on the portal login (scripted, real requests through the
whole middleware stack) opens an incident by rule, runs its playbook (the address is blocked at the door, the
targeted staff user's sessions end), notifies level 1 on a real local webhook receiver, escalates to level 2
when nobody acknowledges, and stops when someone does (through the portal); closing it generates the review."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.choices import StaffRole
from apps.incidents.models import Incident, Review
from apps.incidents.services.escalation import escalation_sweep
from apps.security.models import Alert, BlockedAddress
from tests.second_factor import verified_client

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.66"
LOGIN = "/portal/login/"


def test_a_brute_force_on_the_portal_login_opens_acts_notifies_escalates_and_stops(
    make_policy, signed_receiver, staff_user, django_capture_on_commit_callbacks
):
    first, second = signed_receiver("/hooks/level1"), signed_receiver("/hooks/level2")
    make_policy(
        [
            {"level": 1, "ack_timeout_seconds": 300, "targets": [{"kind": "webhook", "url": first.url}]},
            {"level": 2, "ack_timeout_seconds": 600, "targets": [{"kind": "webhook", "url": second.url}]},
        ],
        name="on-call",
        is_default=True,
    )
    staff_user(StaffRole.SECURITY_ANALYST, username="victim")
    responder = verified_client(staff_user(StaffRole.SECURITY_ANALYST, username="responder"))

    # the attack: wrong passwords for one account from one address, real requests
    attacker = Client(REMOTE_ADDR=ATTACKER)
    with django_capture_on_commit_callbacks(execute=True):
        for attempt in range(5):
            attacker.post(LOGIN, {"username": "victim", "password": f"guess-{attempt}"})

    alert = Alert.objects.get(rule__slug="brute-force-per-user")
    incident = Incident.objects.get()
    assert alert.severity == "high" and list(incident.security_alerts.all()) == [alert]
    assert (incident.kind, incident.severity, incident.status) == ("account_takeover", "high", "new")

    # its playbook ran: the address is blocked, and refused at the door from now on
    assert BlockedAddress.objects.filter(network__startswith=ATTACKER, lifted_at__isnull=True).exists()
    refused = attacker.get(LOGIN)
    assert refused.status_code == 403
    steps = dict(incident.step_runs.values_list("step__slug", "status"))
    assert steps["block-address"] == "succeeded"

    # level 1 was told on the real local receiver (signature verified), level 2 not yet
    assert [(hook["type"], hook["data"]["level"]) for hook in first.received] == [("incident_opened", 1)]
    assert (first.refused, second.received) == (0, [])

    # nobody acknowledges: at the timeout, level 2
    incident.refresh_from_db()
    due = incident.next_escalation_at
    with django_capture_on_commit_callbacks(execute=True):
        assert escalation_sweep(now=due) == 1
    assert [(hook["type"], hook["data"]["level"]) for hook in second.received] == [("incident_escalated", 2)]

    # someone acknowledges on the portal: the climb stops
    with django_capture_on_commit_callbacks(execute=True):
        assert responder.post(reverse("portal:incident_acknowledge", args=[incident.pk])).status_code == 302
    incident.refresh_from_db()
    assert incident.acknowledged_at is not None and incident.escalation_level == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert escalation_sweep(now=due + timedelta(hours=2)) == 0
    assert (len(first.received), len(second.received)) == (1, 1)

    # closed (skipping states, with the reason): the review draft is generated
    with django_capture_on_commit_callbacks(execute=True):
        closing = responder.post(
            reverse("portal:incident_transition", args=[incident.pk]),
            {"status": "closed", "reason": "Blocked at the edge; no account was entered"},
        )
    assert closing.status_code == 302
    review = Review.objects.get(incident=incident)
    assert review.status == "draft" and review.durations["time_to_acknowledge"] is not None
    page = responder.get(reverse("portal:incident_review", args=[incident.pk]))
    assert page.status_code == 200 and "Time to acknowledge" in page.content.decode()
