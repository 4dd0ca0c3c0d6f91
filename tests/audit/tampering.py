"""What someone holding the database superuser can do: write past the append-only trigger.

`session_replication_role = replica` disables ordinary triggers for the rest of the transaction;
it is reset before the block ends so that an enclosing test transaction gets the trigger back.
"""

import hashlib

from django.db import connection, transaction

from apps.audit.hashing import GENESIS_HASH, event_content_hash
from apps.audit.models import AuditEvent, AuditSeal

_CONTENT_COLUMNS = [field.column for field in AuditEvent._meta.concrete_fields if not field.primary_key]


def as_superuser(sql: str, params: list | tuple = ()) -> int:
    """Run one statement with triggers disabled; returns the number of rows it touched."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        touched = cursor.rowcount
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    return touched


def edit_event(event_id: int, *, column: str = "reason", expression: str = "'nothing happened'") -> None:
    assert as_superuser(f"UPDATE audit_auditevent SET {column} = {expression} WHERE id = %s", [event_id]) == 1


def delete_event(event_id: int) -> None:
    assert as_superuser("DELETE FROM audit_auditevent WHERE id = %s", [event_id]) == 1


def swap_events(first_id: int, second_id: int) -> None:
    """Exchange the whole content of two rows, content hashes included: each row is self-consistent."""
    assignments = ", ".join(f"{column} = other.{column}" for column in _CONTENT_COLUMNS)
    touched = as_superuser(
        f"UPDATE audit_auditevent AS event SET {assignments} FROM audit_auditevent AS other "
        "WHERE (event.id = %s AND other.id = %s) OR (event.id = %s AND other.id = %s)",
        [first_id, second_id, second_id, first_id],
    )
    assert touched == 2


def edit_seal(sequence: int, *, column: str, expression: str) -> None:
    assert as_superuser(f"UPDATE audit_auditseal SET {column} = {expression} WHERE sequence = %s", [sequence]) == 1


def delete_seal(sequence: int) -> None:
    assert as_superuser("DELETE FROM audit_auditseal WHERE sequence = %s", [sequence]) == 1


def tamper(kind: str, events: list[AuditEvent]) -> int:
    """Apply one of the three tampers the issue names to `events` (in id order); the first bad id."""
    target, later = events[2], events[5]
    if kind == "edited":
        edit_event(target.pk)
    elif kind == "deleted":
        delete_event(target.pk)
    elif kind == "swapped":
        swap_events(target.pk, later.pk)
    else:
        raise ValueError(kind)
    return target.pk


TAMPER_KINDS = ["edited", "deleted", "swapped"]


def _plain_chain_hash(sequence: int, event_id: int, content_hash: str, previous_hash: str) -> str:
    """The chain hash as the unkeyed (legacy) chain computes it: SHA-256 over the link's fields."""
    return hashlib.sha256(f"{sequence}|{event_id}|{content_hash}|{previous_hash}".encode()).hexdigest()


def rewrite_history(event_id: int, *, reason: str = "nothing happened") -> None:
    """What an attacker who can write the database does to make an edit pass: rewrite the event,
    recompute its content hash, then recompute every later seal with plain SHA-256 and mark each one
    as sealed by the unkeyed (legacy) algorithm where seals name their algorithm."""
    edit_event(event_id, expression=f"'{reason}'")
    forged = AuditEvent.objects.get(pk=event_id)
    edit_event(event_id, column="content_hash", expression=f"'{event_content_hash(vars(forged))}'")
    seals = list(AuditSeal.objects.order_by("sequence").values())
    start = next(index for index, seal in enumerate(seals) if seal["event_id"] == event_id)
    previous_hash = seals[start - 1]["chain_hash"] if start else GENESIS_HASH
    names_algorithm = "algorithm" in seals[0]
    for seal in seals[start:]:
        content_hash = AuditEvent.objects.values_list("content_hash", flat=True).get(pk=seal["event_id"])
        chain_hash = _plain_chain_hash(seal["sequence"], seal["event_id"], content_hash, previous_hash)
        assignments = "content_hash = %s, previous_hash = %s, chain_hash = %s"
        params = [content_hash, previous_hash, chain_hash]
        if names_algorithm:
            assignments += ", algorithm = %s"
            params.append("sha256")
        statement = f"UPDATE audit_auditseal SET {assignments} WHERE sequence = %s"
        assert as_superuser(statement, [*params, seal["sequence"]]) == 1
        previous_hash = chain_hash


def truncate_chain(*, keep: int) -> None:
    """Remove the newest events together with their seals, keeping the first `keep` seals."""
    event_ids = list(AuditSeal.objects.filter(sequence__gt=keep).values_list("event_id", flat=True))
    as_superuser("DELETE FROM audit_auditseal WHERE sequence > %s", [keep])
    as_superuser("DELETE FROM audit_auditevent WHERE id = ANY(%s)", [event_ids])
