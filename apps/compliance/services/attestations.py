"""Manual attestations: a person states a requirement is met, with an evidence file hashed on upload."""

from datetime import datetime

from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record
from apps.compliance.models import ManualAttestation, Requirement
from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.core.storage.digests import file_sha256


@transaction.atomic
def attestation_create(
    *,
    requirement: Requirement,
    statement: str,
    owner,
    expires_at: datetime,
    actor: Actor,
    evidence_file: File | None = None,
) -> ManualAttestation:
    """Record an attestation valid until `expires_at` (in the future); the file's SHA-256 is stored with it."""
    if not statement.strip():
        raise ApplicationError(_("An attestation needs a statement."), fields={"statement": [_("Required.")]})
    if expires_at <= timezone.now():
        raise ApplicationError(
            _("The expiry must be in the future."), fields={"expires_at": [_("Must be in the future.")]}
        )
    attestation = ManualAttestation(requirement=requirement, statement=statement, owner=owner, expires_at=expires_at)
    return attestation_save(attestation=attestation, actor=actor, evidence_file=evidence_file)


@transaction.atomic
def attestation_save(
    *, attestation: ManualAttestation, actor: Actor, evidence_file: File | None = None
) -> ManualAttestation:
    """Store a new or edited attestation, hashing a newly uploaded evidence file; audited.

    A file already in storage keeps its stored SHA-256 (it is only read when none is stored)."""
    if evidence_file is not None:
        attestation.evidence_file = evidence_file
    stored = attestation.evidence_file
    if not stored:
        attestation.evidence_sha256 = ""
    elif not stored._committed:  # a new upload (service argument or admin form), not saved to storage yet
        attestation.evidence_sha256 = file_sha256(stored)
    elif not attestation.evidence_sha256:
        with stored.storage.open(stored.name, "rb") as handle:
            attestation.evidence_sha256 = file_sha256(handle)
    created = attestation.pk is None
    attestation.save()
    audit_record(
        actor=actor,
        action="compliance.attestation_created" if created else "compliance.attestation_changed",
        target=attestation,
        changes={
            "requirement": {"before": None, "after": str(attestation.requirement)},
            "expires_at": {"before": None, "after": attestation.expires_at.isoformat()},
            "evidence_sha256": {"before": None, "after": attestation.evidence_sha256},
        },
    )
    return attestation


@transaction.atomic
def attestation_revoke(*, attestation: ManualAttestation, actor: Actor, reason: str) -> ManualAttestation:
    attestation = ManualAttestation.objects.select_for_update().get(pk=attestation.pk)
    if attestation.revoked_at is None:
        attestation.revoked_at = timezone.now()
        attestation.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="compliance.attestation_revoked", target=attestation, reason=reason)
    return attestation


@transaction.atomic
def attestation_evidence_download_record(*, attestation: ManualAttestation, actor: Actor) -> ManualAttestation:
    """Every download of an attestation's evidence file leaves an audit event before the file is served."""
    audit_record(actor=actor, action="compliance.attestation_evidence_downloaded", target=attestation)
    return attestation
