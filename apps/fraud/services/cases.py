"""Fraud cases: a finding opens a case (the analysts are told) or updates the open one; analysts triage it
(always audited)."""

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record, field_changes
from apps.betting.models import Capper
from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.fraud.choices import OPEN_CASE_STATUSES, VERDICT_STATUSES, CaseAction, CaseStatus
from apps.fraud.detectors.base import Finding
from apps.fraud.models import FraudCase, FraudCaseEvent, FraudCaseMember, FraudLabel
from apps.fraud.signals import fraud_case_opened
from apps.notifications.choices import EventKind
from apps.notifications.services import Recipients, notification_send

User = get_user_model()

# Which status may follow which: a verdict can be reopened for investigation, never silently reversed.
TRANSITIONS = {
    CaseStatus.NEW: {CaseStatus.INVESTIGATING, CaseStatus.CONFIRMED, CaseStatus.DISMISSED},
    CaseStatus.INVESTIGATING: {CaseStatus.NEW, CaseStatus.CONFIRMED, CaseStatus.DISMISSED},
    CaseStatus.CONFIRMED: {CaseStatus.INVESTIGATING},
    CaseStatus.DISMISSED: {CaseStatus.INVESTIGATING},
}


def member_key(capper_ids) -> str:
    """The identity of a member set: its sorted capper ids."""
    return ",".join(str(capper_id) for capper_id in sorted(set(capper_ids)))[:500]


def _guild_id(case: FraudCase, capper_ids) -> str:
    # The audit trail is per guild; a case across guilds is recorded platform-wide.
    tenants = set(Capper.objects.filter(pk__in=capper_ids).values_list("tenant__guild_id", flat=True))
    return tenants.pop() if len(tenants) == 1 else ""


@transaction.atomic
def fraud_case_record(*, finding: Finding, actor: Actor) -> tuple[FraudCase, bool]:
    """Open a case for a finding, or update the open case of the same kind and members (created=False)."""
    key, now = member_key(finding.capper_ids), timezone.now()
    case = (
        FraudCase.objects.select_for_update()
        .filter(kind=finding.kind, member_key=key, status__in=OPEN_CASE_STATUSES)
        .first()
    )
    created = case is None
    if created:
        try:
            with transaction.atomic():  # a concurrent scan may open the same case: the constraint decides
                case = FraudCase.objects.create(
                    kind=finding.kind,
                    member_key=key,
                    score=finding.score,
                    explanation=finding.explanation[:300],
                    evidence=finding.evidence,
                    first_detected_at=now,
                    last_detected_at=now,
                )
        except IntegrityError:
            return fraud_case_record(finding=finding, actor=actor)
        FraudCaseMember.objects.bulk_create(
            FraudCaseMember(case=case, capper_id=capper_id) for capper_id in sorted(set(finding.capper_ids))
        )
        FraudCaseEvent.objects.create(
            case=case, action=CaseAction.DETECTED, actor_label=actor.label, to_status=case.status, score=case.score
        )
        guild_id = _guild_id(case, finding.capper_ids)
        audit_record(
            actor=actor,
            action="fraud.case_opened",
            target=case,
            guild_id=guild_id,
            changes=field_changes({}, {"kind": case.kind, "members": key, "score": case.score}),
        )
        _notify_opened(case, guild_id)
        fraud_case_opened.send(
            sender=FraudCase, case_id=case.pk, kind=case.kind, score=float(case.score), guild_id=guild_id
        )
        return case, True
    changed = case.evidence != finding.evidence or case.score != finding.score
    before = {"score": case.score, "explanation": case.explanation}
    FraudCase.objects.filter(pk=case.pk).update(
        score=finding.score,
        explanation=finding.explanation[:300],
        evidence=finding.evidence,
        last_detected_at=now,
        detection_count=F("detection_count") + 1,
        updated_at=now,
    )
    case.refresh_from_db()
    if changed:  # an unchanged re-detection only moves last_detected_at: no history or audit noise
        FraudCaseEvent.objects.create(
            case=case, action=CaseAction.REDETECTED, actor_label=actor.label, score=case.score
        )
        audit_record(
            actor=actor,
            action="fraud.case_updated",
            target=case,
            guild_id=_guild_id(case, finding.capper_ids),
            changes=field_changes(before, {"score": case.score, "explanation": case.explanation}),
        )
    return case, False


def _notify_opened(case: FraudCase, guild_id: str) -> None:
    # the security analysts (apps/notifications/choices.py DEFAULT_ROLES) and the guild's channels;
    # the notice names the case and its kind, not the cappers
    notification_send(
        kind=EventKind.FRAUD_CASE_OPENED,
        key=f"fraud_case:{case.pk}",
        context={
            "case_id": case.pk,
            "kind": case.kind,
            "score": round(float(case.score), 3),
            "explanation": case.explanation,
            "guild_id": guild_id,
        },
        recipients=Recipients(),
        guild_id=guild_id,
    )


def _assignee(username: str | None):
    if username is None or username == "":
        return None
    user = User.objects.filter(username=username, is_staff=True, is_active=True).first()
    if user is None:
        raise ApplicationError(
            _("No active staff user %(username)r to assign the case to.") % {"username": username},
            code="unknown_assignee",
            fields={"assignee": [_("Not an active staff user.")]},
        )
    return user


_UNCHANGED = object()


@transaction.atomic
def fraud_case_triage(
    *, case: FraudCase, actor: Actor, status: str | None = None, assignee=_UNCHANGED, note: str = ""
) -> FraudCase:
    """Change a case's status, assignee (a staff username, or None to unassign) or add a note.

    A verdict (confirmed, dismissed) is also stored as a label, from which each detector's precision is
    computed; every change writes a history row and an audit event in this transaction.
    """
    case = FraudCase.objects.select_for_update().get(pk=case.pk)
    before = {"status": case.status, "assignee": case.assignee.get_username() if case.assignee else None}
    history = []
    if status is not None and status != case.status:
        if status not in TRANSITIONS.get(case.status, set()):
            raise ApplicationError(
                _("A %(status)s case cannot become %(new_status)s.") % {"status": case.status, "new_status": status},
                code="invalid_transition",
                fields={
                    "status": [
                        _("Allowed from %(status)s: %(transitions)s.")
                        % {"status": case.status, "transitions": ", ".join(sorted(TRANSITIONS[case.status]))}
                    ]
                },
            )
        if status in OPEN_CASE_STATUSES and case.status not in OPEN_CASE_STATUSES:
            reopened = FraudCase.objects.filter(
                kind=case.kind, member_key=case.member_key, status__in=OPEN_CASE_STATUSES
            ).exclude(pk=case.pk)
            if reopened.exists():
                raise ApplicationError(
                    _("Another open case has the same kind and members; triage that one."), code="open_case_exists"
                )
        history.append(
            FraudCaseEvent(
                case=case, action=CaseAction.STATUS_CHANGED, actor_label=actor.label, from_status=case.status,
                to_status=status, note=note,
            )
        )  # fmt: skip
        case.status = status
        if status in VERDICT_STATUSES:
            FraudLabel.objects.create(case=case, kind=case.kind, verdict=status, labelled_by=actor.label)
    if assignee is not _UNCHANGED:
        user = _assignee(assignee)
        if user != case.assignee:
            case.assignee = user
            history.append(
                FraudCaseEvent(
                    case=case, action=CaseAction.ASSIGNED, actor_label=actor.label, note=f"assignee: {assignee or '-'}"
                )
            )
    if note and not any(row.action == CaseAction.STATUS_CHANGED for row in history):
        history.append(FraudCaseEvent(case=case, action=CaseAction.NOTED, actor_label=actor.label, note=note))
    if not history:
        return case
    case.save(update_fields=["status", "assignee", "updated_at"])
    FraudCaseEvent.objects.bulk_create(history)
    after = {"status": case.status, "assignee": case.assignee.get_username() if case.assignee else None}
    audit_record(
        actor=actor,
        action="fraud.case_triaged",
        target=case,
        guild_id=_guild_id(case, case.member_key.split(",")),
        changes=field_changes(before, after),
        reason=note,
    )
    return case
