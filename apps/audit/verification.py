"""Verifying the audit chain: every seal links to the last (keyed: apps/audit/keys.py), every event
still hashes the same, and the chain agrees with every signed checkpoint published outside the
database (apps/audit/checkpoints.py) and reaches at least the last one.

After retention archived the oldest events, the chain in the tables starts right after the last
`AuditArchiveCheckpoint` (from its chain hash); the checkpoints must chain one after the other from
the genesis hash. Each archive file verifies on its own too: its SHA-256 is the checkpoint's, and its
rows chain from the checkpoint's `previous_hash` to its `chain_hash` (`audit_archives_verify`).
"""

import base64
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from apps.audit.chain import archive_checkpoint_problem, link_problem
from apps.audit.checkpoints import Checkpoint, checkpoint_names, checkpoint_parse, checkpoint_store
from apps.audit.hashing import GENESIS_HASH, LEGACY_ALGORITHM
from apps.audit.keys import AuditKeyError, ChainKeys, audit_chain_keys
from apps.audit.models import AuditArchiveCheckpoint, AuditEvent, AuditSeal
from apps.audit.services import audit_seal_pending
from apps.core.storage.archives import read_rows
from apps.core.storage.digests import file_sha256
from apps.keyring.fields import KeyringError

VERIFY_CHUNK_SIZE = 5000
_EVENT_FIELDS = [field.attname for field in AuditEvent._meta.concrete_fields]


@dataclass(frozen=True)
class ChainVerification:
    """The outcome: how many events were checked and, if broken, the first bad one and why."""

    checked: int
    sealed_now: int
    first_bad_event_id: int | None = None
    problem: str = ""
    archived: int = 0  # events before the last checkpoint (in archive files, not in the tables)
    starts_after_sequence: int = 0
    legacy_seals: int = 0  # seals checked that were made before the chain was keyed (plain SHA-256)
    last_checkpoint: Checkpoint | None = None  # the newest published checkpoint the chain agreed with
    checkpoints: int = 0  # published checkpoints checked

    @property
    def is_intact(self) -> bool:
        return not self.problem


def _broken(checked: int, sealed_now: int, event_id: int | None, problem: str) -> ChainVerification:
    return ChainVerification(checked, sealed_now, first_bad_event_id=event_id, problem=problem)


def _checkpoint_problem(checkpoints: list[AuditArchiveCheckpoint], keys: ChainKeys | None) -> str:
    """Checkpoints must follow each other: each starts after the last one's sequence, from its hash;
    and each one past the unkeyed stretch carries its keyed seal."""
    last_sequence, last_hash = 0, GENESIS_HASH
    for checkpoint in checkpoints:
        problem = archive_checkpoint_problem(keys, vars(checkpoint))
        if problem:
            return problem
        if checkpoint.first_sequence != last_sequence + 1 or checkpoint.previous_hash != last_hash:
            return (
                f"archive checkpoint {checkpoint.pk} (seals {checkpoint.first_sequence}-{checkpoint.last_sequence}) "
                "does not continue the previous one (a checkpoint was altered or deleted)"
            )
        last_sequence, last_hash = checkpoint.last_sequence, checkpoint.chain_hash
    return ""


def published_checkpoints(keys: ChainKeys | None) -> tuple[list[Checkpoint], str]:
    """Every published checkpoint, signature checked, in sequence order; or the problem with them."""
    store = checkpoint_store()
    names = checkpoint_names(store)
    if names and keys is None:
        return [], (
            f"{len(names)} signed checkpoints are published ({store}) but the audit chain's key is gone "
            "(keyring_sealedsecret 'audit-chain' was deleted): the chain cannot be trusted"
        )
    checkpoints = []
    for name in names:
        try:
            checkpoints.append(checkpoint_parse(name, store.get(name) or b"", keys))
        except ValueError as error:
            return [], f"{error} ({store})"
    return checkpoints, ""


def _published_problem(checkpoint: Checkpoint) -> str:
    return (
        f"seal {checkpoint.sequence} differs from the checkpoint published at {checkpoint.published_at.isoformat()} "
        f"(chain hash {checkpoint.chain_hash[:16]}…): the chain was rewritten or cut and grown again since"
    )


def audit_verify() -> ChainVerification:  # noqa: C901 - one walk of the chain; each branch is a named way to break it
    """Seal what is pending, then walk the chain in sequence order from the last archive checkpoint,
    comparing it with every published checkpoint; a chain that ends before the last one was truncated."""
    try:
        sealed_now = audit_seal_pending(full_scan=True)
    except (AuditKeyError, KeyringError):
        sealed_now = 0  # the key is gone or unreadable: the checks below say so
    try:
        keys = audit_chain_keys()
    except KeyringError as error:
        return _broken(0, sealed_now, None, f"the audit chain's key cannot be read: {error}")
    published, problem = published_checkpoints(keys)
    if problem:
        return _broken(0, sealed_now, None, problem)
    expected_hashes = {checkpoint.sequence: checkpoint for checkpoint in published}
    checkpoints = list(AuditArchiveCheckpoint.objects.order_by("last_sequence"))
    problem = _checkpoint_problem(checkpoints, keys)
    if problem:
        return _broken(0, sealed_now, checkpoints[-1].last_event_id, problem)
    start = checkpoints[-1] if checkpoints else None
    archived = sum(checkpoint.event_count for checkpoint in checkpoints)
    checked = legacy = 0
    expected_sequence = start.last_sequence + 1 if start else 1
    previous_hash = start.chain_hash if start else GENESIS_HASH
    # the archived stretch is checked against published checkpoints by --archives; its end is here
    trusted: list[Checkpoint] = []
    for archive in checkpoints:
        published_here = expected_hashes.get(archive.last_sequence)
        if published_here is not None:
            if published_here.chain_hash != archive.chain_hash:
                return _broken(0, sealed_now, archive.last_event_id, _published_problem(published_here))
            trusted.append(published_here)
    while True:
        seals = list(
            AuditSeal.objects.filter(sequence__gte=expected_sequence)
            .order_by("sequence")
            .values("sequence", "event_id", "content_hash", "previous_hash", "chain_hash", "algorithm")[
                :VERIFY_CHUNK_SIZE
            ]
        )
        if not seals:
            break
        events = {
            row["id"]: row
            for row in AuditEvent.objects.filter(pk__in=[seal["event_id"] for seal in seals]).values(*_EVENT_FIELDS)
        }
        for seal in seals:
            problem = link_problem(
                expected_sequence=expected_sequence,
                previous_hash=previous_hash,
                seal=seal,
                event=events.get(seal["event_id"]),
                keys=keys,
            )
            published_here = expected_hashes.get(expected_sequence)
            if not problem and published_here is not None:
                if published_here.chain_hash != seal["chain_hash"]:
                    problem = _published_problem(published_here)
                else:
                    trusted.append(published_here)
            if problem:
                return _broken(checked, sealed_now, seal["event_id"], problem)
            previous_hash = seal["chain_hash"]
            legacy += seal["algorithm"] == LEGACY_ALGORITHM
            expected_sequence += 1
            checked += 1
    head = expected_sequence - 1
    if published and published[-1].sequence > head:
        last = published[-1]
        return _broken(
            checked,
            sealed_now,
            None,
            f"the chain was truncated: it ends at seal {head}, but seal {last.sequence} existed when the "
            f"checkpoint of {last.published_at.isoformat()} was published (events after seal {head} were removed)",
        )
    return ChainVerification(
        checked,
        sealed_now,
        archived=archived,
        starts_after_sequence=start.last_sequence if start else 0,
        legacy_seals=legacy,
        last_checkpoint=max(trusted, key=lambda checkpoint: checkpoint.sequence, default=None),
        checkpoints=len(published),
    )


@dataclass
class ArchiveVerification:
    """The outcome of checking archive files against their checkpoints."""

    files_checked: int = 0
    events_checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def is_intact(self) -> bool:
        return not self.problems


def _archived_event(row: dict) -> dict:
    return {**row, "occurred_at": datetime.fromisoformat(row["occurred_at"])}


def audit_archive_file_problem(
    checkpoint: AuditArchiveCheckpoint, path: Path | None = None, published: dict[int, Checkpoint] | None = None
) -> tuple[int, str]:
    """Check one archive file: its SHA-256 is the checkpoint's, its rows chain from the checkpoint's
    `previous_hash` to its `chain_hash`, and agree with the `published` checkpoints in its range.
    Returns (events checked, problem or "")."""
    path = Path(path or checkpoint.archive_path)
    label = f"archive {path.name} (checkpoint {checkpoint.pk})"
    if not path.is_file():
        return 0, f"{label}: the file is missing"
    if file_sha256(path) != checkpoint.archive_sha256:
        return 0, f"{label}: its SHA-256 differs from the checkpoint's (the file was altered)"
    expected_sequence, previous_hash, checked = checkpoint.first_sequence, checkpoint.previous_hash, 0
    key = base64.b64decode(checkpoint.archive_key) if checkpoint.archive_key else None
    keys = audit_chain_keys()
    try:
        for row in read_rows(path, key=key):
            problem = link_problem(
                expected_sequence=expected_sequence,
                previous_hash=previous_hash,
                seal=row["seal"],
                event=_archived_event(row["event"]),
                keys=keys,
            )
            published_here = (published or {}).get(expected_sequence)
            if not problem and published_here is not None and published_here.chain_hash != row["seal"]["chain_hash"]:
                problem = _published_problem(published_here)
            if problem:
                return checked, f"{label}: {problem}"
            expected_sequence, previous_hash, checked = expected_sequence + 1, row["seal"]["chain_hash"], checked + 1
    except (OSError, EOFError, ValueError, KeyError) as error:
        return checked, f"{label}: unreadable ({error.__class__.__name__})"
    if checked != checkpoint.event_count or previous_hash != checkpoint.chain_hash:
        return checked, f"{label}: it does not end at the checkpoint (sequence {checkpoint.last_sequence})"
    return checked, ""


def audit_archives_verify() -> ArchiveVerification:
    """Check every checkpoint's archive file (see `audit_archive_file_problem`)."""
    result = ArchiveVerification()
    published, problem = published_checkpoints(audit_chain_keys())
    if problem:
        result.problems.append(problem)
        return result
    by_sequence = {checkpoint.sequence: checkpoint for checkpoint in published}
    for checkpoint in AuditArchiveCheckpoint.objects.order_by("last_sequence"):
        checked, problem = audit_archive_file_problem(checkpoint, published=by_sequence)
        result.events_checked += checked
        if problem:
            result.problems.append(problem)
        else:
            result.files_checked += 1
    return result
