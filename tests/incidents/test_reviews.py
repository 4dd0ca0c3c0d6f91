"""Post-incident reviews (issue #13 item 7): generated when the incident closes, with the durations from
the first linked event, the actions taken and the impact; approved by someone other than the owner;
exported as PDF and JSON; regenerated when a reopened incident closes again."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from apps.accounts.choices import StaffRole
from apps.audit.models import AuditEvent
from apps.betting.services import capper_create
from apps.core.actors import Actor
from apps.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from apps.incidents.choices import IncidentStatus, ReviewStatus
from apps.incidents.models import FollowUp, Incident, Review, StepRun
from apps.incidents.services.reviews import (
    follow_up_add,
    review_approve,
    review_generate,
    review_json,
    review_pdf,
    review_update,
)
from apps.incidents.signals import incident_status_changed
from tests.incidents.playbook_support import playbook_make

pytestmark = pytest.mark.django_db


def _close(incident, captured, **moments):
    """Close the incident as incident_transition does: the row, then the signal, in one transaction."""
    with captured(execute=True), transaction.atomic():
        Incident.objects.filter(pk=incident.pk).update(status=IncidentStatus.CLOSED, **moments)
        incident.refresh_from_db()
        incident_status_changed.send(
            sender=Incident,
            incident=incident,
            actor=Actor.system("test"),
            from_status=IncidentStatus.RECOVERED,
            to_status=IncidentStatus.CLOSED,
            reason="",
        )
    return incident


@pytest.fixture
def closed(declare, staff_user, tenant, actor, place_bet, fraud_case, django_capture_on_commit_callbacks):
    """A fraud-ring incident with two cappers' bets in its window, a third capper outside it, a playbook
    step run, and known milestones."""
    owner = staff_user(StaffRole.SECURITY_ANALYST)
    detected = timezone.now() - timedelta(hours=10)
    incident = declare(
        kind="fraud_ring",
        severity="high",
        owner=owner,
        guild_id=tenant.guild_id,
        detected_at=detected,
        aware_at=detected + timedelta(minutes=5),
    )
    ring = [
        capper_create(tenant=tenant, actor=actor, discord_user_id=f"60000000000000000{n}", username=f"c{n}")
        for n in (1, 2)
    ]
    bystander = capper_create(tenant=tenant, actor=actor, discord_user_id="600000000000000009", username="other")
    incident.fraud_cases.add(fraud_case(ring))
    incident.affected_tenants.add(tenant)
    place_bet(tenant, ring[0], "r1", detected + timedelta(minutes=30), "2.50")
    place_bet(tenant, ring[1], "r2", detected + timedelta(hours=2), "1.00")
    place_bet(tenant, ring[1], "r3", detected - timedelta(hours=1), "9.00")  # before the window
    place_bet(tenant, bystander, "b1", detected + timedelta(hours=1), "4.00")  # not an affected capper
    playbook = playbook_make(
        kind="fraud_ring", steps=[{"slug": "freeze", "title": "Freeze the ring", "action": "freeze_capper"}]
    )
    step = playbook.steps.get()
    StepRun.objects.create(
        incident=incident, step=step, position=1, status="succeeded", attempts=1, result={"frozen": 2}
    )
    return _close(
        incident,
        django_capture_on_commit_callbacks,
        acknowledged_at=detected + timedelta(minutes=12),
        contained_at=detected + timedelta(hours=1),
        recovered_at=detected + timedelta(hours=4),
        closed_at=detected + timedelta(hours=5),
    )


def test_closing_an_incident_generates_its_review_with_the_durations_actions_and_impact(closed):
    review = Review.objects.get(incident=closed)

    assert review.status == ReviewStatus.DRAFT
    assert review.durations == {
        "time_to_detect": 300,
        "time_to_acknowledge": 720,
        "time_to_contain": 3600,
        "time_to_recover": 4 * 3600,
        "time_to_close": 5 * 3600,
    }
    [action] = review.actions
    assert (action["step"], action["status"], action["result"]) == ("freeze", "succeeded", {"frozen": 2})
    impact = review.impact
    assert (impact["tenants"], impact["cappers"], impact["bets"], impact["units"]) == (1, 2, 2, "3.50")
    assert impact["tenant_guild_ids"] == [closed.guild_id]
    assert AuditEvent.objects.filter(action="incidents.review_generated", target_id=str(review.pk)).count() == 1
    assert closed.timeline.filter(kind="review", message="Review draft generated").exists()


def test_the_review_json_has_every_section(closed):
    review = Review.objects.get(incident=closed)
    document = review_json(review)
    assert set(document) >= {
        "incident", "status", "durations", "actions", "impact", "cost", "timeline_summary", "root_cause",
        "lessons_learned", "recommendations", "approved_by", "approved_at",
    }  # fmt: skip
    assert document["incident"]["reference"] == closed.reference
    assert document["durations"]["time_to_contain"] == 3600


def test_the_review_pdf_is_a_pdf(closed, actor, staff_user):
    review = Review.objects.get(incident=closed)
    review_update(review=review, actor=actor, root_cause="Reused passwords", cost_amount="1200.5")
    follow_up_add(
        review=review,
        actor=actor,
        recommendation="Enforce 2FA",
        owner=staff_user(StaffRole.OPS),
        due_on=timezone.localdate(),
    )
    document = review_pdf(review)
    assert document.startswith(b"%PDF") and len(document) > 1000


def test_the_incident_owner_may_not_approve_the_review(closed, actor):
    review = Review.objects.get(incident=closed)
    with pytest.raises(PermissionDeniedError, match="approved by someone else"):
        review_approve(review=review, actor=actor, user=closed.owner)
    review.refresh_from_db()
    assert (review.status, review.approved_by) == (ReviewStatus.DRAFT, None)


def test_another_approver_approves_and_the_review_is_then_read_only(closed, actor, staff_user):
    officer = staff_user(StaffRole.COMPLIANCE_OFFICER)
    review = review_approve(review=Review.objects.get(incident=closed), actor=actor, user=officer)
    assert (review.status, review.approved_by) == (ReviewStatus.APPROVED, officer)
    with pytest.raises(ConflictError):
        review_update(review=review, actor=actor, root_cause="later")
    with pytest.raises(ConflictError, match="already approved"):
        review_approve(review=review, actor=actor, user=officer)


def test_someone_without_the_approval_permission_may_not_approve(closed, actor, staff_user):
    with pytest.raises(PermissionDeniedError, match="approve_review"):
        review_approve(review=Review.objects.get(incident=closed), actor=actor, user=staff_user(StaffRole.SUPPORT))


def test_recommendations_become_follow_ups_with_an_owner_and_a_due_date(closed, actor, staff_user):
    review = Review.objects.get(incident=closed)
    ops = staff_user(StaffRole.OPS)
    due = timezone.localdate() + timedelta(days=14)
    follow_up = follow_up_add(
        review=review, actor=actor, recommendation="Rate-limit logins per account", owner=ops, due_on=due
    )
    assert (follow_up.owner, follow_up.due_on, follow_up.status) == (ops, due, "open")
    assert review_json(review)["recommendations"][0]["owner"] == ops.username
    with pytest.raises(ApplicationError, match="in the past"):
        follow_up_add(review=review, actor=actor, recommendation="x", owner=ops, due_on=due - timedelta(days=30))
    with pytest.raises(ApplicationError, match="Write the recommendation"):
        follow_up_add(review=review, actor=actor, recommendation=" ", owner=ops, due_on=due)
    assert FollowUp.objects.count() == 1


def test_closing_again_after_a_reopen_updates_the_draft_and_keeps_what_people_wrote(
    closed, actor, staff_user, django_capture_on_commit_callbacks
):
    review = Review.objects.get(incident=closed)
    review_update(review=review, actor=actor, lessons_learned="Alert earlier")
    review_approve(review=review, actor=actor, user=staff_user(StaffRole.COMPLIANCE_OFFICER))
    Incident.objects.filter(pk=closed.pk).update(status=IncidentStatus.REOPENED, closed_at=None)

    _close(closed, django_capture_on_commit_callbacks, closed_at=closed.detected_at + timedelta(hours=8))

    review.refresh_from_db()
    assert Review.objects.filter(incident=closed).count() == 1
    assert review.durations["time_to_close"] == 8 * 3600
    assert (review.status, review.approved_by, review.lessons_learned) == (ReviewStatus.DRAFT, None, "Alert earlier")


def test_a_review_is_generated_only_for_a_closed_incident(declare):
    with pytest.raises(ConflictError, match="when it closes"):
        review_generate(incident=declare())
    assert not Review.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"status": "approved"}, "cannot be edited"),
        ({"cost_amount": "-5"}, "positive amount"),
        ({"cost_amount": "abc"}, "is a number"),
        ({"cost_currency": "EURO"}, "three-letter"),
    ],
)
def test_bad_review_edits_are_refused(closed, actor, fields, message):
    review = Review.objects.get(incident=closed)
    with pytest.raises(ApplicationError, match=message):
        review_update(review=review, actor=actor, **fields)
    review.refresh_from_db()
    assert (review.status, review.cost_amount, review.cost_currency) == (ReviewStatus.DRAFT, None, "EUR")
