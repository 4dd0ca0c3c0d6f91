"""Writing the audit trail: recording events (any app, in its own transaction) and sealing them."""

from datetime import timedelta
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from apps.audit.hashing import GENESIS_HASH, canonical_ip_address, event_content_hash, json_safe, seal_chain_hash
from apps.audit.models import AuditEvent, AuditSeal
from apps.core.actors import Actor

# Events are sealed in event-id order in batches of this size, one transaction per batch.
SEAL_BATCH_SIZE = 2000
# The periodic sealer only looks this far back for unsealed events (an index range instead of an
# anti-join over the whole table); no transaction stays open this long. `audit_verify` looks at all.
SEAL_LOOKBACK = timedelta(days=1)
_SEAL_LOCK_KEY = 0x0DB5B0A0D17  # pg_advisory_xact_lock key of the sealer


def field_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The fields whose value differs, as {field: {"before": old, "after": new}} (JSON-safe)."""
    changed = {}
    for name in sorted(set(before) | set(after)):
        old, new = json_safe(before.get(name)), json_safe(after.get(name))
        if old != new:
            changed[name] = {"before": old, "after": new}
    return changed


def audit_event(
    *,
    actor: Actor,
    action: str,
    target: models.Model | None = None,
    guild_id: str = "",
    changes: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    """An unsaved event with its content hash (for `audit_record_many`)."""
    if "." not in action:
        raise ValueError(f"audit action {action!r} must look like 'app.verb'")
    event = AuditEvent(
        occurred_at=timezone.now(),
        actor_kind=actor.kind,
        actor_identifier=actor.identifier[:64],
        actor_label=actor.label[:150],
        guild_id=guild_id or "",
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=str(target)[:200] if target is not None else "",
        changes=json_safe(changes or {}),
        reason=reason,
        request_id=actor.request_id[:64],
        # a forged X-Forwarded-For must not fail the change being recorded
        ip_address=canonical_ip_address(actor.ip_address),
    )
    event.content_hash = event_content_hash(vars(event))
    return event


def _require_transaction() -> None:
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record must be called inside the service's transaction.atomic()")


def audit_record(
    *,
    actor: Actor,
    action: str,
    target: models.Model | None = None,
    guild_id: str = "",
    changes: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    """Append one event; must run inside the transaction of the change it records."""
    _require_transaction()
    event = audit_event(actor=actor, action=action, target=target, guild_id=guild_id, changes=changes, reason=reason)
    event.save(force_insert=True)
    return event


def audit_record_many(events: list[AuditEvent]) -> list[AuditEvent]:
    """Append many events in one INSERT (bulk writes); same transaction rule as `audit_record`."""
    _require_transaction()
    return AuditEvent.objects.bulk_create(events, batch_size=1000)


def _lock_sealer() -> None:
    # One sealer at a time; writers never touch this lock. SQLite's IMMEDIATE transactions already
    # serialize writers, so the embedded configuration needs nothing more.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SEAL_LOCK_KEY])


def _seal_batch(*, lookback: timedelta | None) -> int:
    with transaction.atomic():
        _lock_sealer()
        head = AuditSeal.objects.order_by("-sequence").only("sequence", "chain_hash").first()
        sequence = head.sequence if head else 0
        previous_hash = head.chain_hash if head else GENESIS_HASH
        pending = AuditEvent.objects.filter(~Exists(AuditSeal.objects.filter(event_id=OuterRef("pk"))))
        if lookback is not None:
            pending = pending.filter(occurred_at__gte=timezone.now() - lookback)
        seals = []
        for event_id, content_hash in pending.order_by("pk").values_list("pk", "content_hash")[:SEAL_BATCH_SIZE]:
            sequence += 1
            chain_hash = seal_chain_hash(
                sequence=sequence, event_id=event_id, content_hash=content_hash, previous_hash=previous_hash
            )
            seals.append(
                AuditSeal(
                    sequence=sequence,
                    event_id=event_id,
                    content_hash=content_hash,
                    previous_hash=previous_hash,
                    chain_hash=chain_hash,
                )
            )
            previous_hash = chain_hash
        AuditSeal.objects.bulk_create(seals)
        return len(seals)


def audit_seal_pending(*, full_scan: bool = False) -> int:
    """Chain every committed, unsealed event onto the seal sequence; returns how many were sealed."""
    lookback = None if full_scan else SEAL_LOOKBACK
    sealed_total = 0
    while True:
        sealed = _seal_batch(lookback=lookback)
        sealed_total += sealed
        if sealed < SEAL_BATCH_SIZE:
            return sealed_total
