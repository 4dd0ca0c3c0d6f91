"""Writing the audit trail: recording events (any app, in its own transaction), sealing them, and archiving
the oldest stretch of the chain for retention (the chain stays verifiable from an archive checkpoint)."""

import base64
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.chain import archive_checkpoint_hmac, link_problem
from apps.audit.checkpoints import checkpoint_names, checkpoint_store
from apps.audit.hashing import canonical_ip_address, event_content_hash, json_safe, seal_chain_hash
from apps.audit.keys import AuditKeyError, ChainKeys, audit_chain_keys, audit_chain_keys_create
from apps.audit.models import AuditArchiveCheckpoint, AuditEvent, AuditSeal, SealAlgorithm
from apps.audit.selectors import (
    audit_archive_boundary,
    audit_archived_head,
    audit_chain_head,
    audit_held_events_q,
)
from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.core.storage.archives import ArchiveFile, JsonLinesArchive
from apps.core.storage.sealed_stream import new_stream_key

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
        target_label=_target_label(target),
        changes=json_safe(changes or {}),
        reason=reason,
        request_id=actor.request_id[:64],
        # a forged X-Forwarded-For must not fail the change being recorded
        ip_address=canonical_ip_address(actor.ip_address),
    )
    event.content_hash = event_content_hash(vars(event))
    return event


def _target_label(target: models.Model | None) -> str:
    """What the trail calls the target. A model about a person (a member, a capper) names itself by
    its row id only (``audit_label``): the trail is append-only and hash-chained, so an identity written
    into it could never be erased; the row id is a pseudonym that erasure turns into a dead end."""
    if target is None:
        return ""
    label = getattr(target, "audit_label", None)
    return (label if label is not None else str(target))[:200]


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


def _sealing_keys(*, head_sequence: int) -> ChainKeys:
    """The chain's keys; the first keyed sealing creates them, recording that every seal up to the
    head was sealed unkeyed. Never again once anything was keyed: a missing key then means the row
    was deleted (or the database restored without it), and a fresh key would launder a rewrite."""
    keys = audit_chain_keys()
    if keys is not None:
        return keys
    store = checkpoint_store()
    if AuditSeal.objects.filter(algorithm=SealAlgorithm.KEYED).exists() or checkpoint_names(store):
        raise AuditKeyError(
            _(
                "The audit chain's key (keyring_sealedsecret 'audit-chain') is missing although keyed seals "
                "or signed checkpoints (%(store)s) exist: the database was tampered with or restored without "
                "it. Nothing was sealed; run `manage.py audit_verify`. (A new, empty database on purpose: "
                "move the old checkpoints out of the store first.)"
            )
            % {"store": store}
        )
    return audit_chain_keys_create(legacy_through=head_sequence)


def _seal_batch(*, lookback: timedelta | None) -> int:
    with transaction.atomic():
        _lock_sealer()
        pending = AuditEvent.objects.filter(~Exists(AuditSeal.objects.filter(event_id=OuterRef("pk"))))
        if lookback is not None:
            pending = pending.filter(occurred_at__gte=timezone.now() - lookback)
        batch = list(pending.order_by("pk").values_list("pk", "content_hash")[:SEAL_BATCH_SIZE])
        if not batch:
            return 0
        sequence, previous_hash = audit_chain_head()
        key = _sealing_keys(head_sequence=sequence).seal_key
        seals = []
        for event_id, content_hash in batch:
            sequence += 1
            chain_hash = seal_chain_hash(
                sequence=sequence, event_id=event_id, content_hash=content_hash, previous_hash=previous_hash, key=key
            )
            seals.append(
                AuditSeal(
                    sequence=sequence,
                    event_id=event_id,
                    content_hash=content_hash,
                    previous_hash=previous_hash,
                    chain_hash=chain_hash,
                    algorithm=SealAlgorithm.KEYED,
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


# --- the audit trail's own retention: archive the oldest stretch of the chain, then delete it ------

# Events archived per file, transaction and checkpoint.
ARCHIVE_BATCH_SIZE = 10_000
ARCHIVE_EVENT_FIELDS = [field.attname for field in AuditEvent._meta.concrete_fields]
ARCHIVE_SEAL_FIELDS = ["sequence", "event_id", "content_hash", "previous_hash", "chain_hash", "algorithm", "sealed_at"]


class AuditChainBroken(ApplicationError):
    """The stretch to archive does not verify: archiving it would hide the tampering, so nothing is done."""

    status_code = 409
    code = "audit_chain_broken"


def _archive_row(seal: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    # full microseconds (DjangoJSONEncoder keeps only milliseconds): the content hash needs them
    return {
        "seal": {**seal, "sealed_at": seal["sealed_at"].isoformat()},
        "event": {**event, "occurred_at": event["occurred_at"].isoformat()},
    }


def _delete_archived(*, first_sequence: int, last_sequence: int, event_ids: list[int]) -> None:
    # the append-only trigger lets DELETE through only with this set, and only in this transaction;
    # it is switched off again at once so that an enclosing transaction does not keep it
    retention = connection.vendor == "postgresql"
    if retention:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL dbsbm.audit_retention = 'on'")
    AuditSeal.objects.filter(sequence__gte=first_sequence, sequence__lte=last_sequence).delete()
    AuditEvent.objects.filter(pk__in=event_ids).delete()
    if retention:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL dbsbm.audit_retention = 'off'")


def _archive_batch(
    *,
    before: datetime,
    held: models.Q,
    directory: Path,
    file_prefix: str,
    actor: Actor,
    batch_size: int,
    key: bytes,
) -> tuple[AuditArchiveCheckpoint, ArchiveFile] | None:
    with transaction.atomic():
        _lock_sealer()  # the sealer reads the chain head; nothing seals while the tail moves
        start_sequence, start_hash = audit_archived_head()
        boundary = audit_archive_boundary(before=before, held=held)
        seals = AuditSeal.objects.filter(sequence__gt=start_sequence)
        if boundary is not None:
            seals = seals.filter(sequence__lt=boundary)
        seals = list(seals.order_by("sequence").values(*ARCHIVE_SEAL_FIELDS)[:batch_size])
        if not seals:
            return None
        event_ids = [seal["event_id"] for seal in seals]
        events = {row["id"]: row for row in AuditEvent.objects.filter(pk__in=event_ids).values(*ARCHIVE_EVENT_FIELDS)}
        expected_sequence, previous_hash = start_sequence + 1, start_hash
        keys = audit_chain_keys()
        for seal in seals:
            problem = link_problem(
                expected_sequence=expected_sequence,
                previous_hash=previous_hash,
                seal=seal,
                event=events.get(seal["event_id"]),
                keys=keys,
            )
            if problem:
                raise AuditChainBroken(
                    _("Nothing archived: the audit chain is broken (%(problem)s). Run `manage.py audit_verify`.")
                    % {"problem": problem}
                )
            expected_sequence, previous_hash = expected_sequence + 1, seal["chain_hash"]
        first, last = seals[0], seals[-1]
        name = f"{file_prefix}-{first['sequence']:012d}-{last['sequence']:012d}.jsonl.gz"
        with JsonLinesArchive(directory, name, key=key) as archive:
            for seal in seals:
                archive.write(_archive_row(seal, events[seal["event_id"]]))
            written = archive.close()
        _delete_archived(first_sequence=first["sequence"], last_sequence=last["sequence"], event_ids=event_ids)
        checkpoint = AuditArchiveCheckpoint(
            first_sequence=first["sequence"],
            last_sequence=last["sequence"],
            last_event_id=last["event_id"],
            previous_hash=start_hash,
            chain_hash=last["chain_hash"],
            event_count=len(seals),
            occurred_before=before,
            archive_path=str(archive.path.resolve()),
            archive_sha256=written.sha256,
            archive_key=base64.b64encode(key).decode(),
        )
        if keys is not None:
            checkpoint.seal = archive_checkpoint_hmac(keys, vars(checkpoint))
        checkpoint.save(force_insert=True)
        audit_record(
            actor=actor,
            action="audit.events_archived",
            target=checkpoint,
            changes=field_changes(
                {},
                {
                    "sequences": f"{first['sequence']}-{last['sequence']}",
                    "events": len(seals),
                    "archive": written.name,
                    "archive_sha256": written.sha256,
                },
            ),
            reason=f"retention: events that occurred before {before.isoformat()}",
        )
        return checkpoint, written


def audit_archive_before(
    *,
    before: datetime,
    directory: Path,
    actor: Actor,
    held_guild_ids: Iterable[str] = (),
    held_targets: Iterable[tuple[str, str]] = (),
    file_prefix: str = "audit-events",
    batch_size: int = ARCHIVE_BATCH_SIZE,
    key: bytes | None = None,
) -> list[tuple[AuditArchiveCheckpoint, ArchiveFile]]:
    """Archive the oldest events that occurred before `before` to sealed `.jsonl.gz.sealed` files
    (apps/core/storage/sealed_stream.py: the events hold client addresses), then delete them.

    The files are sealed with `key` (a fresh one when not given), which each checkpoint keeps
    encrypted by the data key ring.

    Takes a contiguous run of the chain from its start and stops at the first event that is newer or
    held (a held tenant's guild id, or a held target), so the chain left in the tables continues from
    the new checkpoint. One file, checkpoint and transaction per batch; a broken stretch raises
    `AuditChainBroken` and nothing of it is archived.
    """
    audit_seal_pending(full_scan=True)
    held = audit_held_events_q(held_guild_ids=held_guild_ids, held_targets=held_targets)
    key = key or new_stream_key()
    archived = []
    while True:
        result = _archive_batch(
            before=before,
            held=held,
            directory=directory,
            file_prefix=file_prefix,
            actor=actor,
            batch_size=batch_size,
            key=key,
        )
        if result is None:
            return archived
        archived.append(result)
        if result[0].event_count < batch_size:
            return archived


def audit_chain_verify():
    """Seal what is pending, then verify the whole chain (for other apps: verification is not a public module).

    Returns `apps.audit.verification.ChainVerification`. Imported here, not at the top: the
    verification module imports this one.
    """
    from apps.audit.verification import audit_verify  # noqa: PLC0415 - verification imports this module

    return audit_verify()
