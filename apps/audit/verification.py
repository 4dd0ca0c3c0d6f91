"""Verifying the audit chain: every seal links to the last, and every event still hashes the same."""

from dataclasses import dataclass

from apps.audit.hashing import GENESIS_HASH, event_content_hash, seal_chain_hash
from apps.audit.models import AuditEvent, AuditSeal
from apps.audit.services import audit_seal_pending

VERIFY_CHUNK_SIZE = 5000
_EVENT_FIELDS = [field.attname for field in AuditEvent._meta.concrete_fields]


@dataclass(frozen=True)
class ChainVerification:
    """The outcome: how many events were checked and, if broken, the first bad one and why."""

    checked: int
    sealed_now: int
    first_bad_event_id: int | None = None
    problem: str = ""

    @property
    def is_intact(self) -> bool:
        return not self.problem


def _broken(checked: int, sealed_now: int, event_id: int | None, problem: str) -> ChainVerification:
    return ChainVerification(checked, sealed_now, first_bad_event_id=event_id, problem=problem)


def audit_verify() -> ChainVerification:
    """Seal what is pending, then walk the whole chain in sequence order (streamed in chunks)."""
    sealed_now = audit_seal_pending(full_scan=True)
    checked = 0
    expected_sequence = 1
    previous_hash = GENESIS_HASH
    while True:
        seals = list(AuditSeal.objects.filter(sequence__gte=expected_sequence).order_by("sequence")[:VERIFY_CHUNK_SIZE])
        if not seals:
            break
        events = {
            row["id"]: row
            for row in AuditEvent.objects.filter(pk__in=[seal.event_id for seal in seals]).values(*_EVENT_FIELDS)
        }
        for seal in seals:
            if seal.sequence != expected_sequence:
                return _broken(
                    checked,
                    sealed_now,
                    seal.event_id,
                    f"seal {expected_sequence} is missing before event {seal.event_id} (a seal was deleted)",
                )
            if seal.previous_hash != previous_hash or seal.chain_hash != seal_chain_hash(
                sequence=seal.sequence,
                event_id=seal.event_id,
                content_hash=seal.content_hash,
                previous_hash=previous_hash,
            ):
                return _broken(
                    checked,
                    sealed_now,
                    seal.event_id,
                    f"the chain breaks at event {seal.event_id} (seal {seal.sequence} was altered or reordered)",
                )
            event = events.get(seal.event_id)
            if event is None:
                return _broken(checked, sealed_now, seal.event_id, f"event {seal.event_id} was deleted")
            recomputed = event_content_hash(event)
            if recomputed != seal.content_hash or event["content_hash"] != seal.content_hash:
                return _broken(
                    checked,
                    sealed_now,
                    seal.event_id,
                    f"event {seal.event_id} was altered or reordered (its content no longer matches its seal)",
                )
            previous_hash = seal.chain_hash
            expected_sequence += 1
            checked += 1
    return ChainVerification(checked, sealed_now)
