"""Privacy impact assessments: draft, submit, approve or reject (reviewer ≠ author), periodic review.

The score, level and mitigations are always recomputed from the questionnaire by the rules in
apps/privacy/assessments.py, never typed in. Every change is audited.
"""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record, field_changes
from apps.core.actors import Actor
from apps.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from apps.privacy.assessments import assess, questionnaire_validate
from apps.privacy.choices import PiaStatus, PrivacyAlertKind
from apps.privacy.models import PrivacyAlert, PrivacyImpactAssessment

EDITABLE_STATUSES = (PiaStatus.DRAFT, PiaStatus.REJECTED)


def _audit(pia: PrivacyImpactAssessment, actor: Actor, verb: str, before: dict, after: dict, reason: str = "") -> None:
    audit_record(
        actor=actor,
        action=f"privacy.pia_{verb}",
        target=pia,
        changes=field_changes(before, after),
        reason=reason,
    )


def _snapshot(pia: PrivacyImpactAssessment) -> dict[str, Any]:
    return {"status": pia.status, "score": pia.score, "level": pia.level}


def _require_text(title: str, processing: str) -> None:
    errors = {}
    if not title.strip():
        errors["title"] = [_("Required.")]
    if not processing.strip():
        errors["processing"] = [_("Describe the processing being assessed.")]
    if errors:
        raise ApplicationError(_("An assessment needs a title and a description of the processing."), fields=errors)


@transaction.atomic
def pia_create(
    *, actor: Actor, author, title: str, processing: str, questionnaire: dict[str, Any]
) -> PrivacyImpactAssessment:
    """Start an assessment as a draft; its score, level and mitigations come from the questionnaire."""
    _require_text(title, processing)
    answers = questionnaire_validate(questionnaire)
    score, level, mitigations = assess(answers)
    pia = PrivacyImpactAssessment.objects.create(
        title=title.strip()[:200],
        processing=processing.strip(),
        questionnaire=answers,
        score=score,
        level=level,
        mitigations=mitigations,
        author=author,
    )
    _audit(pia, actor, "created", {}, _snapshot(pia))
    return pia


def _locked(pia: PrivacyImpactAssessment) -> PrivacyImpactAssessment:
    return PrivacyImpactAssessment.objects.select_for_update().get(pk=pia.pk)


@transaction.atomic
def pia_update(
    *, pia: PrivacyImpactAssessment, actor: Actor, title: str, processing: str, questionnaire: dict[str, Any]
) -> PrivacyImpactAssessment:
    """Revise a draft (or a rejected assessment, which becomes a draft again) and rescore it."""
    pia = _locked(pia)
    if pia.status not in EDITABLE_STATUSES:
        raise ConflictError(
            _("A %(status)s assessment cannot be edited.") % {"status": pia.status}, code="pia_not_editable"
        )
    _require_text(title, processing)
    answers = questionnaire_validate(questionnaire)
    before = _snapshot(pia)
    pia.title, pia.processing, pia.questionnaire = title.strip()[:200], processing.strip(), answers
    pia.score, pia.level, pia.mitigations = assess(answers)
    pia.status = PiaStatus.DRAFT
    pia.save()
    _audit(pia, actor, "updated", before, _snapshot(pia))
    return pia


@transaction.atomic
def pia_submit(*, pia: PrivacyImpactAssessment, actor: Actor) -> PrivacyImpactAssessment:
    """Send a draft for review."""
    pia = _locked(pia)
    if pia.status != PiaStatus.DRAFT:
        raise ConflictError(
            _("Only a draft can be submitted; this one is %(status)s.") % {"status": pia.status},
            code="invalid_transition",
        )
    before = _snapshot(pia)
    pia.status, pia.submitted_at = PiaStatus.SUBMITTED, timezone.now()
    pia.save(update_fields=["status", "submitted_at", "updated_at"])
    _audit(pia, actor, "submitted", before, _snapshot(pia))
    return pia


@transaction.atomic
def pia_decide(
    *, pia: PrivacyImpactAssessment, actor: Actor, reviewer, approve: bool, note: str = ""
) -> PrivacyImpactAssessment:
    """Approve or reject a submitted assessment; the reviewer may not be its author, a rejection needs a note."""
    pia = _locked(pia)
    if pia.status != PiaStatus.SUBMITTED:
        raise ConflictError(
            _("Only a submitted assessment can be decided; this one is %(status)s.") % {"status": pia.status},
            code="invalid_transition",
        )
    if reviewer is None or reviewer.pk == pia.author_id:
        raise PermissionDeniedError(
            _("The reviewer of an assessment must be someone other than its author."), code="reviewer_is_author"
        )
    if not approve and not note.strip():
        raise ApplicationError(_("Say why the assessment is rejected."), fields={"note": [_("Required.")]})
    before = _snapshot(pia)
    now = timezone.now()
    pia.status = PiaStatus.APPROVED if approve else PiaStatus.REJECTED
    pia.reviewer, pia.decided_at, pia.decision_note = reviewer, now, note.strip()
    pia.next_review_at = now + timedelta(days=settings.PRIVACY_PIA_REVIEW_DAYS) if approve else None
    pia.save()
    _audit(pia, actor, "approved" if approve else "rejected", before,
           {**_snapshot(pia), "reviewer": reviewer.get_username()}, note)  # fmt: skip
    return pia


@transaction.atomic
def pia_mark_reviewed(
    *, pia: PrivacyImpactAssessment, actor: Actor, reviewer, note: str = ""
) -> PrivacyImpactAssessment:
    """A periodic review of an approved assessment found it still valid: the next review is a period later."""
    pia = _locked(pia)
    if pia.status != PiaStatus.APPROVED:
        raise ConflictError(_("Only an approved assessment has periodic reviews."), code="invalid_transition")
    if reviewer is None or reviewer.pk == pia.author_id:
        raise PermissionDeniedError(
            _("The reviewer of an assessment must be someone other than its author."), code="reviewer_is_author"
        )
    before = {"next_review_at": pia.next_review_at}
    now = timezone.now()
    pia.reviewer, pia.next_review_at = reviewer, now + timedelta(days=settings.PRIVACY_PIA_REVIEW_DAYS)
    pia.save(update_fields=["reviewer", "next_review_at", "updated_at"])
    PrivacyAlert.objects.filter(assessment=pia, kind=PrivacyAlertKind.PIA_REVIEW_DUE, resolved_at__isnull=True).update(
        resolved_at=now
    )
    _audit(pia, actor, "reviewed", before, {"next_review_at": pia.next_review_at}, note)
    return pia
