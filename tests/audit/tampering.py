"""What someone holding the database superuser can do: write past the append-only trigger.

`session_replication_role = replica` disables ordinary triggers for the rest of the transaction;
it is reset before the block ends so that an enclosing test transaction gets the trigger back.
"""

from django.db import connection, transaction

from apps.audit.models import AuditEvent

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
