"""Data-subject requests: receive, verify the requester's identity, assign, process, complete or reject.

Status flow: received → identity_verification → in_progress → completed | rejected. Nothing is
processed before staff recorded how they verified who is asking (service check and database
constraint). Anyone with the API's privacy scopes may file a request, start the verification and
assign it; verifying, completing and rejecting are acts of an active staff person (never an API key
or a job: the portal asks them for their second factor), and completion needs four eyes: a person
other than whoever filed the request or verified the requester. The rules live here, so the API,
the admin, the portal and the workflow inbox all obey them.

Completing a request does its work in the same transaction: access and portability write an export,
erasure anonymizes the member (refused under a legal hold), rectification applies the requested
changes through the members service. Every change writes a history row and an audit event, and
sends `data_subject_request_changed` in its transaction (receivers write the task outbox).
"""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import ApiKey, Member
from apps.audit.services import audit_record, field_changes
from apps.core.actors import Actor
from apps.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from apps.privacy.choices import (
    EXPORT_REQUEST_KINDS,
    RequestEventAction,
    RequestKind,
    RequestStatus,
    VerificationMethod,
)
from apps.privacy.models import DataSubjectRequest, DataSubjectRequestEvent
from apps.privacy.services.erasure import member_erase
from apps.privacy.services.exports import request_export
from apps.privacy.services.rectification import member_rectify, rectification_validate
from apps.privacy.services.staff import actor_identity, request_staff_required
from apps.privacy.signals import data_subject_request_changed

# Which status may follow which, through the services below.
TRANSITIONS = {
    RequestStatus.RECEIVED: {RequestStatus.IDENTITY_VERIFICATION, RequestStatus.IN_PROGRESS, RequestStatus.REJECTED},
    RequestStatus.IDENTITY_VERIFICATION: {RequestStatus.IN_PROGRESS, RequestStatus.REJECTED},
    RequestStatus.IN_PROGRESS: {RequestStatus.COMPLETED, RequestStatus.REJECTED},
    RequestStatus.COMPLETED: set(),
    RequestStatus.REJECTED: set(),
}


def _same_person(actor: Actor, identity: str, label: str) -> bool:
    # rows from before identities were recorded only have the name to compare
    return identity == actor_identity(actor) if identity else bool(label) and label == actor.label


def request_four_eyes_refusal(*, request: DataSubjectRequest, actor: Actor) -> str:
    """Why `actor` may not complete the request ("" if they may): not whoever filed or verified it."""
    if _same_person(actor, request.filed_by_actor, request.requested_by):
        return _("Four eyes: you filed this request, so another staff member must complete it.")
    if _same_person(actor, request.verified_by_actor, request.verified_by):
        return _(
            "Four eyes: you verified the requester's identity, so another staff member must complete this request."
        )
    return ""


def _after_commit(request: DataSubjectRequest, change: str) -> None:
    payload = {
        "request_id": request.pk,
        "guild_id": request.tenant.guild_id,
        "kind": request.kind,
        "status": request.status,
        "change": change,
        "due_at": request.due_at,
        "is_overdue": request.is_open and request.due_at < timezone.now(),
    }
    data_subject_request_changed.send(sender=DataSubjectRequest, **payload)  # in the transaction: the outbox


def _history(request: DataSubjectRequest, actor: Actor, action: str, *, note: str = "", to_status: str = "") -> None:
    DataSubjectRequestEvent.objects.create(
        request=request,
        action=action,
        actor_label=actor.label[:150],
        from_status=request.status if to_status else "",
        to_status=to_status,
        note=note,
    )


def _move(request: DataSubjectRequest, actor: Actor, status: str, *, note: str = "") -> None:
    """Change the status (history row included); the caller saves and audits."""
    if status not in TRANSITIONS[request.status]:
        allowed = ", ".join(sorted(TRANSITIONS[request.status])) or "none (it is closed)"
        raise ConflictError(
            _("A request that is %(current)s cannot become %(status)s; it can become: %(allowed)s.")
            % {"current": request.status, "status": status, "allowed": allowed},
            code="invalid_transition",
        )
    _history(request, actor, RequestEventAction.STATUS_CHANGED, note=note, to_status=status)
    request.status = status


def _locked(request: DataSubjectRequest) -> DataSubjectRequest:
    return (
        DataSubjectRequest.objects.select_for_update(of=("self",)).select_related("tenant", "member").get(pk=request.pk)
    )


def _audit(request: DataSubjectRequest, actor: Actor, action: str, before: dict, after: dict, reason: str = "") -> None:
    audit_record(
        actor=actor,
        action=f"privacy.{action}",
        target=request,
        guild_id=request.tenant.guild_id,
        changes=field_changes(before, after),
        reason=reason,
    )


@transaction.atomic
def request_receive(
    *,
    actor: Actor,
    member: Member,
    kind: str,
    details: dict[str, Any] | None = None,
    requested_by_key: ApiKey | None = None,
) -> DataSubjectRequest:
    """Record a request about a member; it is due PRIVACY_REQUEST_DUE_DAYS days later."""
    if kind not in RequestKind.values:
        raise ApplicationError(
            _("Unknown kind %(kind)r; choose one of %(choices)s.")
            % {"kind": kind, "choices": ", ".join(RequestKind.values)},
            fields={"kind": [_("Unknown.")]},
        )
    details = dict(details or {})
    if kind == RequestKind.RECTIFICATION:
        rectification_validate(changes=details.get("changes"))
    now = timezone.now()
    request = DataSubjectRequest.objects.create(
        tenant=member.tenant,
        member=member,
        kind=kind,
        details=details,
        received_at=now,
        due_at=now + timedelta(days=settings.PRIVACY_REQUEST_DUE_DAYS),
        requested_by=actor.label[:150],
        requested_by_key=requested_by_key,
        filed_by_actor=actor_identity(actor),
    )
    _history(request, actor, RequestEventAction.RECEIVED, to_status=RequestStatus.RECEIVED)
    # the member is named by id: the audit trail must not repeat who asked to be forgotten
    _audit(
        request,
        actor,
        "request_received",
        {},
        {"kind": kind, "member_id": member.pk, "status": request.status, "due_at": request.due_at},
    )
    _after_commit(request, RequestEventAction.RECEIVED)
    return request


@transaction.atomic
def request_start_verification(*, request: DataSubjectRequest, actor: Actor, note: str = "") -> DataSubjectRequest:
    """Staff have asked the requester to prove who they are."""
    request = _locked(request)
    before = {"status": request.status}
    _move(request, actor, RequestStatus.IDENTITY_VERIFICATION, note=note)
    request.save(update_fields=["status", "updated_at"])
    _audit(request, actor, "request_verification_started", before, {"status": request.status}, note)
    _after_commit(request, RequestEventAction.STATUS_CHANGED)
    return request


@transaction.atomic
def request_verify_identity(
    *, request: DataSubjectRequest, actor: Actor, method: str, note: str = ""
) -> DataSubjectRequest:
    """Record how a staff person verified the requester's identity; the request is then in progress."""
    request_staff_required(actor=actor, doing="Verifying the requester's identity", request_id=request.pk)
    if method not in VerificationMethod.values:
        raise ApplicationError(
            _("Unknown verification method %(method)r; choose one of %(choices)s.")
            % {"method": method, "choices": ", ".join(VerificationMethod.values)},
            fields={"method": [_("Unknown.")]},
        )
    request = _locked(request)
    if request.is_verified:
        raise ConflictError(_("The requester's identity is already verified."), code="already_verified")
    before = {"status": request.status, "verification_method": ""}
    request.verification_method = method
    request.verification_note = note[:500]
    request.verified_by = actor.label[:150]
    request.verified_by_actor = actor_identity(actor)
    request.verified_at = timezone.now()
    _history(request, actor, RequestEventAction.VERIFIED, note=f"{method}: {note}".strip(": "))
    _move(request, actor, RequestStatus.IN_PROGRESS)
    request.save(
        update_fields=[
            "verification_method",
            "verification_note",
            "verified_by",
            "verified_by_actor",
            "verified_at",
            "status",
            "updated_at",
        ]
    )
    _audit(
        request,
        actor,
        "request_identity_verified",
        before,
        {"status": request.status, "verification_method": method},
        note,
    )
    _after_commit(request, RequestEventAction.VERIFIED)
    return request


def _staff_user(username: str | None):
    if not username:
        return None
    user = get_user_model().objects.filter(username=username, is_staff=True, is_active=True).first()
    if user is None:
        raise ApplicationError(
            _("No active staff user %(username)r to assign the request to.") % {"username": username},
            code="unknown_assignee",
            fields={"assignee": [_("Not an active staff user.")]},
        )
    return user


@transaction.atomic
def request_assign(*, request: DataSubjectRequest, actor: Actor, assignee: str | None) -> DataSubjectRequest:
    """Give the request to a staff user (a username), or unassign it (None)."""
    request = _locked(request)
    if not request.is_open:
        raise ConflictError(
            _("A %(status)s request cannot be reassigned.") % {"status": request.status}, code="request_closed"
        )
    user = _staff_user(assignee)
    before = {"assignee": request.assignee.get_username() if request.assignee else None}
    if user == request.assignee:
        return request
    request.assignee = user
    request.save(update_fields=["assignee", "updated_at"])
    _history(request, actor, RequestEventAction.ASSIGNED, note=f"assignee: {assignee or '-'}")
    _audit(request, actor, "request_assigned", before, {"assignee": user.get_username() if user else None})
    _after_commit(request, RequestEventAction.ASSIGNED)
    return request


@transaction.atomic
def request_complete(*, request: DataSubjectRequest, actor: Actor, resolution: str = "") -> DataSubjectRequest:
    """Do what the request asks (export, erasure or rectification) and close it, in one transaction.

    A staff person other than whoever filed the request or verified the requester completes it (four
    eyes), after the verification; an erasure is refused under a legal hold.
    """
    request_staff_required(actor=actor, doing="Completing a data-subject request", request_id=request.pk)
    request = _locked(request)
    if not request.is_verified:
        raise ConflictError(
            _("Verify the requester's identity before processing the request."), code="identity_not_verified"
        )
    if request.status != RequestStatus.IN_PROGRESS:
        raise ConflictError(
            _("A %(status)s request cannot be completed.") % {"status": request.status}, code="invalid_transition"
        )
    refusal = request_four_eyes_refusal(request=request, actor=actor)
    if refusal:
        raise PermissionDeniedError(refusal, code="four_eyes")
    if request.kind in EXPORT_REQUEST_KINDS:
        export = request_export(request=request, actor=actor)
        _history(request, actor, RequestEventAction.EXPORTED, note=f"export #{export.pk} sha256 {export.sha256}")
    elif request.kind == RequestKind.ERASURE:
        certificate = member_erase(request=request, actor=actor)
        _history(request, actor, RequestEventAction.ERASED, note=f"certificate sha256 {certificate.content_sha256}")
    else:
        changed = member_rectify(member=request.member, actor=actor, changes=request.details.get("changes") or {})
        _history(request, actor, RequestEventAction.RECTIFIED, note=f"fields: {', '.join(sorted(changed)) or '-'}")
    before = {"status": request.status}
    _move(request, actor, RequestStatus.COMPLETED, note=resolution)
    request.resolution = resolution
    request.completed_at = timezone.now()
    request.save(update_fields=["status", "resolution", "completed_at", "updated_at"])
    _audit(request, actor, "request_completed", before, {"status": request.status}, resolution)
    _after_commit(request, RequestEventAction.STATUS_CHANGED)
    return request


@transaction.atomic
def request_reject(*, request: DataSubjectRequest, actor: Actor, reason: str) -> DataSubjectRequest:
    """A staff person closes a request without doing it (e.g. identity not proven); the reason is required."""
    request_staff_required(actor=actor, doing="Rejecting a data-subject request", request_id=request.pk)
    if not reason.strip():
        raise ApplicationError(_("Give the reason for rejecting the request."), fields={"reason": [_("Required.")]})
    request = _locked(request)
    before = {"status": request.status}
    _move(request, actor, RequestStatus.REJECTED, note=reason)
    request.resolution = reason.strip()
    request.completed_at = timezone.now()
    request.save(update_fields=["status", "resolution", "completed_at", "updated_at"])
    _audit(request, actor, "request_rejected", before, {"status": request.status}, reason)
    _after_commit(request, RequestEventAction.STATUS_CHANGED)
    return request


__all__ = [
    "request_assign",
    "request_complete",
    "request_four_eyes_refusal",
    "request_receive",
    "request_reject",
    "request_start_verification",
    "request_verify_identity",
]
