"""One link of the audit chain checked against the link before it (pure: no ORM, no files).

The live tables, the archiving service (before it deletes anything) and archive files are all
checked by this one function, so the three agree on what a broken chain is.
"""

from typing import Any

from apps.audit.hashing import event_content_hash, seal_chain_hash


def link_problem(
    *,
    expected_sequence: int,
    previous_hash: str,
    seal: dict[str, Any],
    event: dict[str, Any] | None,
) -> str:
    """Why this seal and its event do not continue the chain ("" when they do).

    `seal` has sequence, event_id, content_hash, previous_hash and chain_hash; `event` is the
    event's fields (occurred_at as a datetime) or None when the event is gone.
    """
    event_id = seal["event_id"]
    if seal["sequence"] != expected_sequence:
        return f"seal {expected_sequence} is missing before event {event_id} (a seal was deleted)"
    if seal["previous_hash"] != previous_hash or seal["chain_hash"] != seal_chain_hash(
        sequence=seal["sequence"], event_id=event_id, content_hash=seal["content_hash"], previous_hash=previous_hash
    ):
        return f"the chain breaks at event {event_id} (seal {seal['sequence']} was altered or reordered)"
    if event is None:
        return f"event {event_id} was deleted"
    if event_content_hash(event) != seal["content_hash"] or event["content_hash"] != seal["content_hash"]:
        return f"event {event_id} was altered or reordered (its content no longer matches its seal)"
    return ""
