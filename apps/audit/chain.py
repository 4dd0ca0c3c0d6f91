"""One link of the audit chain checked against the link before it (pure: no ORM, no files).

The live tables, the archiving service (before it deletes anything) and archive files are all
checked by this one function, so the three agree on what a broken chain is.
"""

import hmac
from typing import Any

from apps.audit.hashing import KEYED_ALGORITHM, LEGACY_ALGORITHM, event_content_hash, seal_chain_hash
from apps.audit.keys import ChainKeys


def expected_algorithm(sequence: int, keys: ChainKeys | None) -> str:
    """Seals up to the keys' `legacy_through` are unkeyed SHA-256, every later one keyed; with no keys
    at all (nothing sealed since the upgrade) every seal must be a legacy one."""
    if keys is None or sequence <= keys.legacy_through:
        return LEGACY_ALGORITHM
    return KEYED_ALGORITHM


def archive_checkpoint_hmac(keys: ChainKeys, checkpoint: dict[str, Any]) -> str:
    """The keyed seal of an archive checkpoint: what retention claims it archived, and where the chain
    continues. Without it, someone who can write the database could delete the oldest stretch and
    insert a checkpoint pretending it was archived (its chain hash is in the table to copy)."""
    material = "|".join(
        str(checkpoint[name])
        for name in (
            "first_sequence",
            "last_sequence",
            "last_event_id",
            "previous_hash",
            "chain_hash",
            "event_count",
            "archive_sha256",
        )
    )
    return seal_chain_hash(sequence=0, event_id=0, content_hash="archive", previous_hash=material, key=keys.seal_key)


def archive_checkpoint_problem(keys: ChainKeys | None, checkpoint: dict[str, Any]) -> str:
    """Why this archive checkpoint is not one retention wrote ("" when it is): one ending after the
    unkeyed stretch must carry its keyed seal."""
    label = (
        f"archive checkpoint {checkpoint['id']} (seals {checkpoint['first_sequence']}-{checkpoint['last_sequence']})"
    )
    if expected_algorithm(checkpoint["last_sequence"], keys) == LEGACY_ALGORITHM:
        if checkpoint["seal"] and keys is None:
            return f"{label} is keyed but the audit chain's key is gone (keyring_sealedsecret was deleted)"
        return ""
    if not hmac.compare_digest(checkpoint["seal"], archive_checkpoint_hmac(keys, checkpoint)):
        return f"{label} was not written by retention (its keyed seal does not verify): a stretch was deleted"
    return ""


def link_problem(
    *,
    expected_sequence: int,
    previous_hash: str,
    seal: dict[str, Any],
    event: dict[str, Any] | None,
    keys: ChainKeys | None,
) -> str:
    """Why this seal and its event do not continue the chain ("" when they do).

    `seal` has sequence, event_id, content_hash, previous_hash, chain_hash and algorithm (absent in
    archive files written before seals were keyed: legacy); `event` is the event's fields
    (occurred_at as a datetime) or None when the event is gone.
    """
    event_id = seal["event_id"]
    if seal["sequence"] != expected_sequence:
        return f"seal {expected_sequence} is missing before event {event_id} (a seal was deleted)"
    algorithm = seal.get("algorithm") or LEGACY_ALGORITHM
    if algorithm != expected_algorithm(expected_sequence, keys):
        if keys is None:
            return (
                f"seal {expected_sequence} of event {event_id} is keyed but the audit chain's key is gone "
                "(keyring_sealedsecret was deleted)"
            )
        return (
            f"the chain breaks at event {event_id} (seal {expected_sequence} claims the unkeyed algorithm, "
            f"but every seal after {keys.legacy_through} is keyed: it was rewritten)"
        )
    chain_hash = seal_chain_hash(
        sequence=seal["sequence"],
        event_id=event_id,
        content_hash=seal["content_hash"],
        previous_hash=previous_hash,
        key=keys.seal_key if algorithm == KEYED_ALGORITHM else None,
    )
    if seal["previous_hash"] != previous_hash or not hmac.compare_digest(seal["chain_hash"], chain_hash):
        return f"the chain breaks at event {event_id} (seal {seal['sequence']} was altered or reordered)"
    if event is None:
        return f"event {event_id} was deleted"
    if event_content_hash(event) != seal["content_hash"] or event["content_hash"] != seal["content_hash"]:
        return f"event {event_id} was altered or reordered (its content no longer matches its seal)"
    return ""
