"""Post-incident reviews: the draft generated from the incident when it closes, edits, follow-ups, approval.

Durations (seconds, `None` while the milestone was never reached) are measured from `incident.detected_at`,
the first linked event (the earliest alert, case, check run or audit event that caused the incident, or
when it was declared):

    time_to_detect      = aware_at        - detected_at   (how long until the platform knew)
    time_to_acknowledge = acknowledged_at - detected_at
    time_to_contain     = contained_at    - detected_at
    time_to_recover     = recovered_at    - detected_at
    time_to_close       = closed_at       - detected_at

Impact: the tenants (affected tenants and the incident's guild), the members (affected members), the cappers
(those of the linked fraud cases and of the affected members), and the bets and stake units affected: the
bets *placed* in the incident window [detected_at, recovered_at or closed_at] by the affected cappers, or,
when no capper is named, by every capper of the affected tenants.

A reopened incident closed again regenerates the facts of its review (durations, actions, impact, the
timeline summary) and sends an approved review back to draft; what people wrote (cost, root cause,
lessons, follow-ups) is kept.
"""

from datetime import date, datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from apps.betting.models import Bet, Capper
from apps.core.actors import Actor
from apps.core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from apps.incidents.choices import IncidentStatus, ReviewStatus, TimelineKind
from apps.incidents.models import FollowUp, Incident, Review
from apps.incidents.services.review_exports import review_json, review_pdf
from apps.incidents.services.timeline import timeline_add, timeline_audited

__all__ = [
    "follow_up_add",
    "review_approve",
    "review_generate",
    "review_generate_for",
    "review_json",
    "review_pdf",
    "review_update",
]

MILESTONES = (
    ("time_to_detect", "aware_at"),
    ("time_to_acknowledge", "acknowledged_at"),
    ("time_to_contain", "contained_at"),
    ("time_to_recover", "recovered_at"),
    ("time_to_close", "closed_at"),
)
EDITABLE_FIELDS = frozenset({"cost_amount", "cost_currency", "cost_notes", "summary", "root_cause", "lessons_learned"})
SUMMARY_LINES = 60
APPROVE_PERMISSION = "incidents.approve_review"


def review_durations(incident: Incident) -> dict[str, int | None]:
    """Seconds from the first linked event to each milestone (None: not reached)."""
    durations: dict[str, int | None] = {}
    for name, field in MILESTONES:
        moment = getattr(incident, field)
        durations[name] = None if moment is None else int((moment - incident.detected_at).total_seconds())
    return durations


def _actions(incident: Incident) -> list[dict]:
    runs = incident.step_runs.select_related("step").order_by("position", "id")
    return [
        {
            "position": run.position,
            "step": run.step.slug,
            "title": run.step.title,
            "action": run.step.action,
            "status": run.status,
            "attempts": run.attempts,
            "result": run.result,
            "error": run.error,
            "finished_at": run.finished_at.isoformat() if run.finished_at else None,
            "undone_at": run.undone_at.isoformat() if run.undone_at else None,
        }
        for run in runs
    ]


def _impact(incident: Incident) -> dict:
    tenant_ids = set(incident.affected_tenants.values_list("pk", flat=True))
    guild_ids = set(incident.affected_tenants.values_list("guild_id", flat=True))
    if incident.guild_id:
        guild_ids.add(incident.guild_id)
    member_ids = set(incident.affected_members.values_list("pk", flat=True))
    capper_ids = set(Capper.objects.filter(fraud_cases__incidents=incident).values_list("pk", flat=True))
    capper_ids |= set(Capper.objects.filter(member_id__in=member_ids).values_list("pk", flat=True))
    window_end = incident.recovered_at or incident.closed_at or timezone.now()
    bets = Bet.objects.filter(placed_at__gte=incident.detected_at, placed_at__lte=window_end)
    if capper_ids:
        bets = bets.filter(capper_id__in=capper_ids)
        basis = "bets placed in the window by the affected cappers"
    elif tenant_ids or guild_ids:
        bets = bets.filter(Q(tenant_id__in=tenant_ids) | Q(tenant__guild_id__in=guild_ids))
        basis = "bets placed in the window in the affected tenants"
    else:
        bets = bets.none()
        basis = "no tenant or capper is named"
    totals = bets.aggregate(count=Count("pk"), units=Sum("stake_units"))
    return {
        "tenants": len(guild_ids),
        "tenant_guild_ids": sorted(guild_ids),
        "members": len(member_ids),
        "cappers": len(capper_ids),
        "bets": totals["count"],
        "units": str((totals["units"] or Decimal("0")).quantize(Decimal("0.01"))),
        "window": {"from": incident.detected_at.isoformat(), "to": window_end.isoformat()},
        "bets_basis": basis,
        "systems": list(incident.affected_systems),
    }


def _timeline_summary(incident: Incident) -> str:
    entries = list(incident.timeline.order_by("occurred_at", "id"))
    shown = entries if len(entries) <= SUMMARY_LINES else entries[: SUMMARY_LINES // 2] + entries[-SUMMARY_LINES // 2 :]
    lines = [f"{entry.occurred_at:%Y-%m-%d %H:%M:%S} [{entry.kind}] {entry.message}" for entry in shown]
    if len(entries) > len(shown):
        lines.insert(SUMMARY_LINES // 2, f"… {len(entries) - len(shown)} more entries …")
    return "\n".join(lines)


@transaction.atomic
def review_generate(*, incident: Incident, actor: Actor | None = None) -> Review:
    """Generate (or, after a reopen and close, regenerate) the review draft from the closed incident."""
    actor = actor or Actor.system("incident review")
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if incident.status != IncidentStatus.CLOSED:
        raise ConflictError(
            _("%(reference)s is %(status)s: its review is generated when it closes.")
            % {"reference": incident.reference, "status": incident.status}
        )
    facts = {
        "generated_at": timezone.now(),
        "durations": review_durations(incident),
        "actions": _actions(incident),
        "impact": _impact(incident),
        "summary": _timeline_summary(incident),
    }
    review = Review.objects.filter(incident=incident).select_for_update().first()
    created = review is None
    if created:
        review = Review.objects.create(incident=incident, **facts)
    else:
        for name, value in facts.items():
            setattr(review, name, value)
        review.status, review.approved_by, review.approved_at = ReviewStatus.DRAFT, None, None
        review.save()
    timeline_audited(
        incident=incident,
        kind=TimelineKind.REVIEW,
        actor=actor,
        message="Review draft generated" if created else "Review draft regenerated (the incident closed again)",
        data={"review_id": review.pk, "durations": review.durations},
        action="incidents.review_generated",
        target=review,
        changes={"durations": review.durations, "regenerated": not created},
    )
    return review


def review_generate_for(*, incident_id: int) -> Review | None:
    """The task's entry: generate the review when the incident is (still) closed."""
    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None or incident.status != IncidentStatus.CLOSED:
        return None
    return review_generate(incident=incident)


def _clean_update(fields: dict) -> dict:
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise ApplicationError(
            _("These review fields cannot be edited: %(unknown)s; editable are %(editable)s.")
            % {"unknown": ", ".join(sorted(unknown)), "editable": ", ".join(sorted(EDITABLE_FIELDS))}
        )
    if "cost_amount" in fields and fields["cost_amount"] is not None:
        try:
            amount = Decimal(str(fields["cost_amount"]))
        except ArithmeticError:
            raise ApplicationError(_("The cost is a number."), fields={"cost_amount": [_("not a number")]}) from None
        if not amount.is_finite() or amount < 0 or amount >= Decimal("1e10"):
            raise ApplicationError(_("The cost is a positive amount below 10,000,000,000."))
        fields["cost_amount"] = amount.quantize(Decimal("0.01"))
    currency = fields.get("cost_currency")
    if currency is not None and not (len(currency) == 3 and currency.isalpha()):
        raise ApplicationError(_("The currency is a three-letter ISO 4217 code such as EUR."))
    if currency is not None:
        fields["cost_currency"] = currency.upper()
    return fields


@transaction.atomic
def review_update(*, review: Review, actor: Actor, **fields) -> Review:
    """Edit what people write into a draft review: cost, summary, root cause, lessons learned."""
    fields = _clean_update(fields)
    review = Review.objects.select_for_update().select_related("incident").get(pk=review.pk)
    if review.status == ReviewStatus.APPROVED:
        raise ConflictError(_("The review is approved and can no longer be edited."))
    changes = {name: {"before": str(getattr(review, name)), "after": str(value)} for name, value in fields.items()}
    for name, value in fields.items():
        setattr(review, name, value)
    review.save()
    if changes:
        timeline_audited(
            incident=review.incident,
            kind=TimelineKind.REVIEW,
            actor=actor,
            message=f"Review edited: {', '.join(sorted(changes))}",
            data={"review_id": review.pk, "fields": sorted(changes)},
            action="incidents.review_updated",
            target=review,
            changes=changes,
        )
    return review


@transaction.atomic
def review_approve(*, review: Review, actor: Actor, user) -> Review:
    """Approve a review: by someone holding the approval permission who is not the incident's owner."""
    review = Review.objects.select_for_update().select_related("incident").get(pk=review.pk)
    incident = review.incident
    if incident.owner_id is not None and incident.owner_id == user.pk:
        raise PermissionDeniedError(
            _("You own %(reference)s: its review must be approved by someone else (four-eyes rule).")
            % {"reference": incident.reference}
        )
    if not user.has_perm(APPROVE_PERMISSION):
        raise PermissionDeniedError(
            _("Approving a post-incident review needs the incidents.approve_review permission.")
        )
    if review.status == ReviewStatus.APPROVED:
        raise ConflictError(_("The review is already approved."))
    review.status, review.approved_by, review.approved_at = ReviewStatus.APPROVED, user, timezone.now()
    review.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    timeline_add(
        incident=incident,
        kind=TimelineKind.REVIEW,
        actor=actor,
        message=f"Review approved by {user.get_username()}",
        data={"review_id": review.pk},
    )
    audit_record(actor=actor, action="incidents.review_approved", target=review, guild_id=incident.guild_id)
    return review


def _owner(owner):
    user_model = get_user_model()
    if isinstance(owner, int):
        owner = user_model.objects.filter(pk=owner).first()
    if owner is None or not owner.is_active or not owner.is_staff:
        raise NotFoundError(_("The follow-up's owner must be an active staff user."), fields={"owner": [_("unknown")]})
    return owner


@transaction.atomic
def follow_up_add(*, review: Review, actor: Actor, recommendation: str, owner, due_on: date) -> FollowUp:
    """Turn a recommendation of the review into a tracked task with an owner and a due date."""
    recommendation = (recommendation or "").strip()
    if not recommendation:
        raise ApplicationError(_("Write the recommendation."), fields={"recommendation": [_("required")]})
    if isinstance(due_on, datetime) or not isinstance(due_on, date):
        raise ApplicationError(_("The due date is a date (YYYY-MM-DD)."), fields={"due_on": [_("not a date")]})
    if due_on < timezone.localdate():
        raise ApplicationError(_("The due date is in the past."), fields={"due_on": [_("in the past")]})
    owner = _owner(owner)
    review = Review.objects.select_related("incident").get(pk=review.pk)
    follow_up = FollowUp.objects.create(review=review, recommendation=recommendation, owner=owner, due_on=due_on)
    timeline_audited(
        incident=review.incident,
        kind=TimelineKind.REVIEW,
        actor=actor,
        message=f"Follow-up {follow_up.pk} for {owner.get_username()} due {due_on.isoformat()}: {recommendation}"[:500],
        data={"follow_up_id": follow_up.pk, "owner_id": owner.pk, "due_on": due_on.isoformat()},
        action="incidents.follow_up_added",
        target=follow_up,
        changes={"owner_id": owner.pk, "due_on": due_on.isoformat()},
    )
    return follow_up
