"""The quarterly access review: one item per staff account, certify or revoke, no self-review,
revocation takes the roles away and is audited, the workflow completes with the last decision."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Group

from apps.accounts.choices import StaffRole
from apps.audit.models import AuditEvent
from apps.compliance.choices import AccessDecision, AccessReviewStatus, StepStatus, WorkflowStatus
from apps.compliance.models import AccessReview, AccessReviewItem
from apps.compliance.services.access_review import access_review_decide, access_review_start
from apps.compliance.tasks import access_review_start_task
from apps.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOV = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)


@pytest.fixture
def staff(staff_user, officer, second_officer):  # noqa: F811
    ops = staff_user(StaffRole.OPS, username="ops")
    root = staff_user(StaffRole.SUPERUSER, username="root")
    UserFactory(username="former", is_staff=True, is_active=False)
    UserFactory(username="customer", is_staff=False)
    return {"ops": ops, "root": root, "officer": officer, "officer2": second_officer}


def _item(review, username) -> AccessReviewItem:
    return review.items.get(username=username)


def test_a_review_lists_every_active_staff_account_with_its_roles(actor, staff):
    review, created = access_review_start(actor=actor, reviewer=staff["officer"], now=NOV)

    assert created and review.period == "2026-Q4"
    rows = list(
        review.items.order_by("username").values_list("username", "groups", "is_superuser", "reviewer__username")
    )
    assert rows == [
        ("officer", ["Compliance officer"], False, "officer2"),  # never their own reviewer
        ("officer2", ["Compliance officer"], False, "officer"),
        ("ops", ["Ops"], False, "officer"),
        ("root", [], True, "officer"),
    ]
    assert review.workflow.definition.code == "access_review"
    assert review.workflow.steps.get().assignee_role == StaffRole.COMPLIANCE_OFFICER
    assert AuditEvent.objects.filter(action="compliance.access_review_started", target_id=str(review.pk)).count() == 1


def test_the_beat_job_starts_one_review_per_quarter(staff):
    first = access_review_start_task()
    again = access_review_start_task()

    review = AccessReview.objects.get()
    assert (first, again) == (review.pk, None)
    assert review.reviewer == staff["officer"]  # the first compliance officer


def test_without_any_reviewer_no_review_starts(actor, staff_user):
    staff_user(StaffRole.OPS, username="ops")

    with pytest.raises(ApplicationError, match="No compliance officer or superuser can review access"):
        access_review_start(actor=actor)
    assert access_review_start_task() is None
    assert not AccessReview.objects.exists()


def test_revoking_takes_groups_and_flags_away_and_is_audited(actor, staff):
    review, _ = access_review_start(actor=actor, reviewer=staff["officer"], now=NOV)
    root = staff["root"]

    access_review_decide(
        item=_item(review, "root"), user=staff["officer"], decision="revoked", actor=actor, note="left"
    )
    access_review_decide(
        item=_item(review, "ops"), user=staff["officer"], decision="revoked", actor=actor, note="moved"
    )

    root.refresh_from_db()
    ops = staff["ops"]
    ops.refresh_from_db()
    assert (root.is_staff, root.is_superuser, ops.is_staff, list(ops.groups.all())) == (False, False, False, [])
    revoked = AuditEvent.objects.filter(action="compliance.access_revoked", target_id=str(ops.pk)).get()
    assert revoked.changes == {
        "groups": {"before": ["Ops"], "after": []},
        "is_staff": {"before": True, "after": False},
    }
    assert revoked.reason == "access review 2026-Q4: moved"
    item = _item(review, "ops")
    assert (item.decision, item.decided_by, item.note) == ("revoked", staff["officer"], "moved")
    assert Group.objects.filter(name="Ops").exists()  # the role itself stays


def test_nobody_reviews_their_own_account_even_as_superuser(actor, staff):
    review, _ = access_review_start(actor=actor, reviewer=staff["officer"], now=NOV)

    for username in ("officer", "root"):
        user = staff[username]
        with pytest.raises(PermissionDeniedError, match="You cannot review your own account"):
            access_review_decide(item=_item(review, username), user=user, decision="certified", actor=actor)
        assert _item(review, username).decision == AccessDecision.PENDING
    assert not AuditEvent.objects.filter(action="compliance.access_review_decided").exists()


def test_a_reviewer_decides_only_their_items_once_and_revocation_needs_a_reason(actor, staff):
    review, _ = access_review_start(actor=actor, reviewer=staff["officer"], now=NOV)

    with pytest.raises(PermissionDeniedError, match="assigned to another reviewer"):
        access_review_decide(item=_item(review, "ops"), user=staff["officer2"], decision="certified", actor=actor)
    with pytest.raises(ApplicationError, match="Say why the access is revoked"):
        access_review_decide(item=_item(review, "ops"), user=staff["officer"], decision="revoked", actor=actor)
    with pytest.raises(ApplicationError, match="Decide certified or revoked"):
        access_review_decide(item=_item(review, "ops"), user=staff["officer"], decision="maybe", actor=actor)
    staff["ops"].refresh_from_db()
    assert staff["ops"].is_staff and _item(review, "ops").decision == AccessDecision.PENDING

    access_review_decide(item=_item(review, "ops"), user=staff["officer"], decision="certified", actor=actor)
    with pytest.raises(ConflictError, match="ops is already certified"):
        access_review_decide(
            item=_item(review, "ops"), user=staff["officer"], decision="revoked", actor=actor, note="x"
        )


def test_the_last_decision_completes_the_review_and_its_workflow(actor, staff):
    review, _ = access_review_start(actor=actor, reviewer=staff["officer"], now=NOV)
    for username in ("officer2", "ops", "root"):
        access_review_decide(item=_item(review, username), user=staff["officer"], decision="certified", actor=actor)
    assert AccessReview.objects.get().status == AccessReviewStatus.OPEN

    access_review_decide(item=_item(review, "officer"), user=staff["officer2"], decision="certified", actor=actor)

    review.refresh_from_db()
    assert review.status == AccessReviewStatus.COMPLETED and review.completed_at is not None
    step = review.workflow.steps.get()
    assert (step.status, step.completed_by, step.outcome_notes) == (
        StepStatus.COMPLETED,
        staff["officer2"],
        "4 certified, 0 revoked.",
    )
    assert review.workflow.status == WorkflowStatus.COMPLETED
    completed = AuditEvent.objects.get(action="compliance.access_review_completed")
    assert completed.changes == {"certified": {"before": None, "after": 4}, "revoked": {"before": None, "after": 0}}
