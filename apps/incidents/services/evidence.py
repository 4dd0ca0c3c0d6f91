"""Evidence and its chain of custody: collecting a file or a sealed snapshot, and every later access.

A file is stored once through Django's default storage (under MEDIA_ROOT) with its SHA-256 and size, and
is only ever read through `evidence_access`, which re-reads it, re-verifies the hash and appends a custody
event. Custody events of one evidence form a hash chain: each carries the previous event's `event_hash`
(the first carries `GENESIS_HASH`), and its own `event_hash` is the SHA-256 of the canonical JSON of its
fields (including `previous_hash` and the evidence's recorded SHA-256). `Evidence.custody_head_hash` names the
last event, so a removed last event is caught as well as a removed or edited one in the middle.

A hash mismatch on access is refused (`EvidenceTamperedError`, 409): the refusal itself is a custody event,
committed before the error is raised (callers must not wrap the access in a transaction of their own that
rolls back on the error), and a critical EVIDENCE_TAMPERED notification goes to the security analysts and
compliance officers.
"""

import hashlib
import logging
import posixpath
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from apps.core.actors import Actor
from apps.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from apps.core.storage.digests import canonical_json
from apps.incidents.choices import CustodyAction, EvidenceKind, TimelineKind
from apps.incidents.models import CustodyEvent, Evidence, Incident
from apps.incidents.services.notify import incident_alert
from apps.incidents.services.timeline import timeline_add, timeline_audited
from apps.notifications.choices import EventKind, Severity

logger = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
ACCESS_PERMISSION = "incidents.access_evidence"
# what an access may be, by its verb or its custody action
ACCESS_ACTIONS = {
    "view": CustodyAction.VIEWED,
    "download": CustodyAction.DOWNLOADED,
    "export": CustodyAction.EXPORTED,
    "transfer": CustodyAction.TRANSFERRED,
    CustodyAction.VIEWED.value: CustodyAction.VIEWED,
    CustodyAction.DOWNLOADED.value: CustodyAction.DOWNLOADED,
    CustodyAction.EXPORTED.value: CustodyAction.EXPORTED,
    CustodyAction.TRANSFERRED.value: CustodyAction.TRANSFERRED,
}
MISSING_FILE_HASH = "missing"


class EvidenceTooLargeError(ApplicationError):
    status_code = 413
    code = "evidence_too_large"


class EvidenceTamperedError(ConflictError):
    """The stored file no longer matches its recorded SHA-256: the access was refused and recorded."""

    code = "evidence_tampered"


@dataclass(frozen=True)
class CustodyVerification:
    """The result of walking a custody chain: `problems` says what is wrong (empty when verified)."""

    verified: bool
    problems: tuple[str, ...]
    length: int


def _user_of(actor: Actor):
    if actor.kind != "user" or not actor.identifier.isdigit():
        return None
    return get_user_model().objects.filter(pk=int(actor.identifier)).first()


def evidence_access_allowed(*, actor: Actor) -> bool:
    """Staff need `incidents.access_evidence`; API keys are checked for `incidents:read` by the API; the
    system (playbooks, tasks) may."""
    if actor.kind != "user":
        return True
    user = _user_of(actor)
    return user is not None and user.is_active and user.has_perm(ACCESS_PERMISSION)


def _require_access(actor: Actor) -> None:
    if not evidence_access_allowed(actor=actor):
        raise PermissionDeniedError(
            _(
                "Reading incident evidence needs the 'Can view, download, export and transfer incident evidence' "
                "permission (incidents.access_evidence); ask a compliance officer or security analyst."
            )
        )


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def custody_event_hash(event: CustodyEvent, *, evidence_sha256: str) -> str:
    """SHA-256 of the canonical JSON of the event's fields (its previous hash included)."""
    document = {
        "evidence_id": event.evidence_id,
        "evidence_sha256": evidence_sha256,
        "sequence": event.sequence,
        "action": event.action,
        "actor_label": event.actor_label,
        "actor_user_id": event.actor_user_id,
        "ip_address": event.ip_address,
        "purpose": event.purpose,
        "recipient": event.recipient,
        "observed_sha256": event.observed_sha256,
        "hash_verified": event.hash_verified,
        "previous_hash": event.previous_hash,
        "occurred_at": _timestamp(event.occurred_at),
    }
    return hashlib.sha256(canonical_json(document)).hexdigest()


def _custody_append(
    *, evidence: Evidence, actor: Actor, action: str, purpose: str, observed: str, recipient: str = ""
) -> CustodyEvent:
    """Append one event to the (locked) evidence's chain and move its head."""
    last = evidence.custody.order_by("-sequence").first()
    user = _user_of(actor)
    event = CustodyEvent(
        evidence=evidence,
        sequence=(last.sequence + 1) if last else 1,
        action=action,
        actor_label=actor.label[:150],
        actor_user=user,
        ip_address=actor.ip_address,
        purpose=purpose[:300],
        recipient=recipient[:200],
        observed_sha256=observed,
        hash_verified=observed == evidence.sha256,
        previous_hash=last.event_hash if last else GENESIS_HASH,
        occurred_at=timezone.now(),
    )
    event.event_hash = custody_event_hash(event, evidence_sha256=evidence.sha256)
    event.save(force_insert=True)
    Evidence.objects.filter(pk=evidence.pk).update(custody_head_hash=event.event_hash)
    evidence.custody_head_hash = event.event_hash
    return event


def _stored_name(incident: Incident, digest: str, original_name: str) -> str:
    # never the uploaded name itself (a path, a person's name): the incident, the hash, the extension
    extension = posixpath.splitext(posixpath.basename(original_name.replace("\\", "/")))[1][:12].lower()
    extension = extension if extension[1:].isalnum() else ""
    return f"inc{incident.pk}-{digest[:24]}{extension}"


def evidence_max_bytes() -> int:
    return int(settings.INCIDENT_EVIDENCE_MAX_BYTES)


def evidence_too_large_error(size: int) -> EvidenceTooLargeError:
    limit = evidence_max_bytes()
    return EvidenceTooLargeError(
        _(
            "The file is %(size)s bytes; evidence may be at most %(limit)s bytes (INCIDENT_EVIDENCE_MAX_BYTES). "
            "Split it, compress it, or store it elsewhere and upload a hash-bearing manifest."
        )
        % {"size": f"{size:,}", "limit": f"{limit:,}"},
        fields={"file": [_("at most %(limit)s bytes") % {"limit": limit}]},
    )


def _validate(*, kind: str, title: str, content: bytes, method: str) -> None:
    if kind not in EvidenceKind.values:
        raise ApplicationError(
            _("Unknown evidence kind %(kind)s; one of %(kinds)s.")
            % {"kind": repr(kind), "kinds": ", ".join(EvidenceKind.values)}
        )
    if not title.strip():
        raise ApplicationError(_("Evidence needs a title."), fields={"title": [_("required")]})
    if not method.strip():
        raise ApplicationError(_("Say how the evidence was collected."), fields={"method": [_("required")]})
    if not content:
        raise ApplicationError(
            _("The file is empty: there is nothing to keep as evidence."), fields={"file": [_("empty")]}
        )
    if len(content) > evidence_max_bytes():
        raise evidence_too_large_error(len(content))


def evidence_add(
    *,
    incident: Incident,
    actor: Actor,
    kind: str,
    title: str,
    content: bytes,
    original_name: str = "",
    content_type: str = "",
    method: str,
    description: str = "",
) -> Evidence:
    """Store a file as evidence with its SHA-256 and size; its custody starts with a "collected" event."""
    _validate(kind=kind, title=title, content=content, method=method)
    digest = hashlib.sha256(content).hexdigest()
    stored = default_storage.save(
        Evidence._meta.get_field("file").generate_filename(None, _stored_name(incident, digest, original_name)),
        ContentFile(content),
    )
    try:
        with transaction.atomic():
            evidence = Evidence.objects.create(
                incident=incident,
                kind=kind,
                title=title.strip()[:200],
                description=description,
                file=stored,
                original_name=original_name[:255],
                content_type=content_type[:100],
                size=len(content),
                sha256=digest,
                collected_by=_user_of(actor),
                collected_by_label=actor.label[:150],
                collection_method=method.strip()[:200],
                collected_at=timezone.now(),
            )
            _custody_append(
                evidence=evidence, actor=actor, action=CustodyAction.COLLECTED, purpose=method, observed=digest
            )
            timeline_audited(
                incident=incident,
                kind=TimelineKind.EVIDENCE,
                actor=actor,
                message=f'Evidence {evidence.pk} "{evidence.title}" collected ({evidence.size} bytes, '
                f"SHA-256 {digest[:16]}…)",
                data={"evidence_id": evidence.pk, "sha256": digest, "size": evidence.size, "kind": kind},
                action="incidents.evidence_added",
                target=evidence,
                changes={"sha256": digest, "size": len(content), "kind": kind, "method": evidence.collection_method},
            )
    except BaseException:
        default_storage.delete(stored)  # nothing written: the row did not commit, so neither does the file
        raise
    return evidence


def _read(evidence: Evidence) -> tuple[bytes | None, str]:
    try:
        with default_storage.open(evidence.file.name, "rb") as stream:
            content = stream.read()
    except (FileNotFoundError, OSError):
        return None, MISSING_FILE_HASH
    return content, hashlib.sha256(content).hexdigest()


def _validate_access(action: str, purpose: str, recipient: str) -> str:
    custody_action = ACCESS_ACTIONS.get(action)
    if custody_action is None:
        raise ApplicationError(
            _("Unknown access %(action)s; one of view, download, export, transfer.") % {"action": repr(action)}
        )
    if not purpose.strip():
        raise ApplicationError(_("Say why the evidence is accessed (purpose)."), fields={"purpose": [_("required")]})
    if custody_action == CustodyAction.TRANSFERRED and not recipient.strip():
        raise ApplicationError(
            _("A transfer names the party the evidence goes to."),
            fields={"recipient": [_("required for a transfer")]},
        )
    return custody_action


def _alert_tampered(*, evidence: Evidence, event: CustodyEvent, actor: Actor) -> None:
    incident = evidence.incident
    mismatch = {
        "evidence_id": evidence.pk,
        "expected_sha256": evidence.sha256,
        "observed_sha256": event.observed_sha256,
    }
    incident_alert(
        incident,
        kind=EventKind.EVIDENCE_TAMPERED,
        key=f"evidence:{evidence.pk}:tampered:{event.observed_sha256}",
        severity=Severity.CRITICAL,
        context={**mismatch, "evidence_title": evidence.title},
        reason="evidence_tampered",
    )
    message = f'CRITICAL: evidence {evidence.pk} "{evidence.title}" failed its hash check; access refused'
    data = {**mismatch, "custody_sequence": event.sequence}
    timeline_add(incident=incident, kind=TimelineKind.EVIDENCE, actor=actor, message=message, data=data)


def evidence_access(*, evidence: Evidence, actor: Actor, action: str, purpose: str, recipient: str = "") -> bytes:
    """The evidence's bytes, after re-verifying their hash and appending a chained custody event; a mismatch
    is refused (EvidenceTamperedError), recorded as a "refused" event and raised as a critical alert."""
    custody_action = _validate_access(action, purpose, recipient)
    _require_access(actor)
    with transaction.atomic():
        evidence = Evidence.objects.select_for_update().select_related("incident").get(pk=evidence.pk)
        content, observed = _read(evidence)
        intact = content is not None and observed == evidence.sha256
        event = _custody_append(
            evidence=evidence,
            actor=actor,
            action=custody_action if intact else CustodyAction.REFUSED,
            purpose=purpose.strip() if intact else f"{custody_action}: {purpose.strip()}",
            observed=observed,
            recipient=recipient.strip(),
        )
        audit_record(
            actor=actor,
            action="incidents.evidence_accessed" if intact else "incidents.evidence_refused",
            target=evidence,
            guild_id=evidence.incident.guild_id,
            changes={"action": event.action, "observed_sha256": observed, "custody_sequence": event.sequence},
            reason=purpose.strip()[:300],
        )
        if intact:
            timeline_add(
                incident=evidence.incident,
                kind=TimelineKind.EVIDENCE,
                actor=actor,
                message=f"Evidence {evidence.pk} {event.action}"
                + (f" to {event.recipient}" if event.recipient else ""),
                data={"evidence_id": evidence.pk, "action": event.action, "custody_sequence": event.sequence},
            )
        else:
            _alert_tampered(evidence=evidence, event=event, actor=actor)
    if not intact:
        logger.error("evidence %s failed its hash check (custody event %s)", evidence.pk, event.pk)
        raise EvidenceTamperedError(
            _(
                "Evidence %(evidence)s no longer matches its recorded SHA-256 (expected %(expected)s, read "
                "%(observed)s): the access was refused and recorded, and security and compliance were alerted."
            )
            % {"evidence": evidence.pk, "expected": evidence.sha256, "observed": observed}
        )
    return content


def custody_chain(*, evidence: Evidence) -> list[CustodyEvent]:
    """The evidence's custody events, oldest first."""
    return list(evidence.custody.select_related("actor_user").order_by("sequence"))


def custody_verification(*, evidence: Evidence, events: list[CustodyEvent] | None = None) -> CustodyVerification:
    """Walk the chain: contiguous sequences from 1, each previous_hash the prior event_hash (the first the
    genesis), each event_hash recomputed, the first event "collected" and the last the evidence's head."""
    evidence = Evidence.objects.get(pk=evidence.pk)
    events = custody_chain(evidence=evidence) if events is None else events
    problems: list[str] = []
    previous = GENESIS_HASH
    for expected_sequence, event in enumerate(events, start=1):
        if event.sequence != expected_sequence:
            problems.append(f"event {expected_sequence} is missing (the next one is #{event.sequence})")
        if event.previous_hash != previous:
            problems.append(f"event #{event.sequence} does not follow the event before it")
        if event.event_hash != custody_event_hash(event, evidence_sha256=evidence.sha256):
            problems.append(f"event #{event.sequence} was altered (its hash does not match its fields)")
        previous = event.event_hash
    if not events or events[0].action != CustodyAction.COLLECTED:
        problems.append("the chain does not start with the collection")
    if previous != evidence.custody_head_hash:
        problems.append("the chain does not end at the recorded head (events were removed from its end)")
    return CustodyVerification(verified=not problems, problems=tuple(problems), length=len(events))


def custody_verify(*, evidence: Evidence) -> bool:
    """True when the evidence's custody chain is whole and unaltered."""
    return custody_verification(evidence=evidence).verified
