"""The quarterly access review: one item per staff account, certified or revoked by a reviewer.

Starting a review (beat checks daily; once per quarter) snapshots every active staff account's role
groups and superuser flag and assigns each item to the reviewer, a compliance officer. Nobody decides
on their own account: that item goes to another compliance officer (or a superuser), and the
decision service refuses a self-review whatever the assignment says. Revoking takes the account's
groups, staff and superuser flags away at once, a documented direct change to the user row (the
accounts app has no revocation service yet) recorded as its own audit event. The review runs as an
`access_review` workflow; its step completes when the last item is decided.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from apps.accounts.choices import StaffRole
from apps.audit.services import audit_record, field_changes
from apps.compliance.choices import (
    ACCESS_REVIEW_WORKFLOW_CODE,
    AccessDecision,
    AccessReviewStatus,
    StepStatus,
)
from apps.compliance.models import AccessReview, AccessReviewItem, WorkflowStep
from apps.compliance.people import role_members
from apps.compliance.services.workflows import workflow_start, workflow_step_complete_on_behalf
from apps.core.actors import Actor
from apps.core.errors import ApplicationError, ConflictError, PermissionDeniedError

User = get_user_model()


def quarter_of(moment: datetime) -> str:
    return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"


def _reviewers() -> list:
    """Compliance officers first, then superusers (each once), by id: who may be assigned items."""
    officers = list(role_members(StaffRole.COMPLIANCE_OFFICER).order_by("pk"))
    superusers = [user for user in role_members(StaffRole.SUPERUSER).order_by("pk") if user not in officers]
    return officers + superusers


@transaction.atomic
def access_review_start(
    *, actor: Actor, period: str | None = None, reviewer=None, now=None
) -> tuple[AccessReview, bool]:
    """Start the review of a period (default: the current quarter) unless it exists (created=False)."""
    now = now or timezone.now()
    period = (period or quarter_of(now)).strip()
    existing = AccessReview.objects.filter(period=period).first()
    if existing is not None:
        return existing, False
    candidates = _reviewers()
    if reviewer is None:
        reviewer = candidates[0] if candidates else None
    if reviewer is None:
        raise ApplicationError(
            gettext("No compliance officer or superuser can review access: give someone the compliance officer role."),
            code="no_reviewer",
        )
    if not (reviewer.is_superuser or reviewer in candidates):
        raise PermissionDeniedError(
            gettext("The reviewer must be a compliance officer or a superuser."), code="not_a_reviewer"
        )
    instance, _ = workflow_start(
        code=ACCESS_REVIEW_WORKFLOW_CODE,
        actor=actor,
        title=f"Access review {period}",
        subject_ref=f"access-review:{period}",
        now=now,
    )
    review = AccessReview.objects.create(
        period=period,
        reviewer=reviewer,
        workflow=instance,
        started_at=now,
        due_at=now + timedelta(days=settings.COMPLIANCE_ACCESS_REVIEW_DUE_DAYS),
    )
    stand_in = next((user for user in candidates if user.pk != reviewer.pk), None)
    accounts = User.objects.filter(is_active=True).filter(is_staff=True).prefetch_related("groups").order_by("username")
    items = [
        AccessReviewItem(
            review=review,
            user=account,
            username=account.get_username(),
            groups=sorted(group.name for group in account.groups.all()),
            is_superuser=account.is_superuser,
            last_login=account.last_login,
            reviewer=stand_in if account.pk == reviewer.pk else reviewer,
        )
        for account in accounts
    ]
    AccessReviewItem.objects.bulk_create(items)
    audit_record(
        actor=actor,
        action="compliance.access_review_started",
        target=review,
        changes=field_changes({}, {"period": period, "reviewer": reviewer.get_username(), "accounts": len(items)}),
    )
    return review, True


def _revoke_access(*, account, actor: Actor, reason: str) -> dict:
    """Take away the account's role groups and its staff and superuser flags (audited on the user)."""
    account = User.objects.select_for_update().get(pk=account.pk)
    before = {
        "groups": sorted(account.groups.values_list("name", flat=True)),
        "is_staff": account.is_staff,
        "is_superuser": account.is_superuser,
    }
    account.groups.clear()
    account.is_staff = account.is_superuser = False
    account.save(update_fields=["is_staff", "is_superuser"])
    after = {"groups": [], "is_staff": False, "is_superuser": False}
    audit_record(
        actor=actor,
        action="compliance.access_revoked",
        target=account,
        changes=field_changes(before, after),
        reason=reason,
    )
    return before


@transaction.atomic
def access_review_decide(
    *, item: AccessReviewItem, user, decision: str, actor: Actor, note: str = ""
) -> AccessReviewItem:
    """Certify or revoke one account's access; refuses self-review, other reviewers' items and re-decisions."""
    item = AccessReviewItem.objects.select_for_update(of=("self",)).select_related("review", "user").get(pk=item.pk)
    if decision not in (AccessDecision.CERTIFIED, AccessDecision.REVOKED):
        raise ApplicationError(
            gettext("Decide certified or revoked."), fields={"decision": [gettext("certified or revoked")]}
        )
    if item.user_id is not None and item.user_id == user.pk:
        raise PermissionDeniedError(gettext("You cannot review your own account."), code="self_review")
    if item.reviewer_id != user.pk and not user.is_superuser:
        raise PermissionDeniedError(gettext("This account is assigned to another reviewer."), code="not_your_item")
    if item.review.status != AccessReviewStatus.OPEN:
        raise ConflictError(gettext("The review is completed."), code="review_completed")
    if item.decision != AccessDecision.PENDING:
        raise ConflictError(
            gettext("%(username)s is already %(decision)s.") % {"username": item.username, "decision": item.decision},
            code="already_decided",
        )
    if decision == AccessDecision.REVOKED and not note.strip():
        raise ApplicationError(gettext("Say why the access is revoked."), fields={"note": [gettext("Required.")]})
    if decision == AccessDecision.REVOKED and item.user is not None:
        _revoke_access(account=item.user, actor=actor, reason=f"access review {item.review.period}: {note}")
    item.decision, item.decided_by, item.decided_at, item.note = decision, user, timezone.now(), note
    item.save(update_fields=["decision", "decided_by", "decided_at", "note"])
    audit_record(
        actor=actor,
        action="compliance.access_review_decided",
        target=item,
        changes=field_changes({"decision": AccessDecision.PENDING}, {"decision": decision}),
        reason=note,
    )
    if not item.review.items.filter(decision=AccessDecision.PENDING).exists():
        _review_complete(review=item.review, user=user, actor=actor)
    return item


def _review_complete(*, review: AccessReview, user, actor: Actor) -> None:
    review = AccessReview.objects.select_for_update().get(pk=review.pk)
    review.status, review.completed_at = AccessReviewStatus.COMPLETED, timezone.now()
    review.save(update_fields=["status", "completed_at"])
    counts = {
        decision: review.items.filter(decision=decision).count()
        for decision in (AccessDecision.CERTIFIED, AccessDecision.REVOKED)
    }
    audit_record(
        actor=actor, action="compliance.access_review_completed", target=review, changes=field_changes({}, counts)
    )
    step = WorkflowStep.objects.filter(instance_id=review.workflow_id).exclude(status=StepStatus.COMPLETED).first()
    if step is not None:
        notes = f"{counts[AccessDecision.CERTIFIED]} certified, {counts[AccessDecision.REVOKED]} revoked."
        workflow_step_complete_on_behalf(step=step, completed_by=user, actor=actor, notes=notes)
