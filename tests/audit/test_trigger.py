"""On PostgreSQL the database itself refuses to change or remove audit rows (migration 0002)."""

import pytest
from django.db import ProgrammingError, connection, transaction

from apps.audit.models import AuditEvent, AuditSeal
from apps.audit.services import audit_seal_pending

pytestmark = pytest.mark.django_db

STATEMENTS = {
    ("audit_auditevent", "UPDATE"): "UPDATE audit_auditevent SET reason = 'nothing happened' WHERE id = %s",
    ("audit_auditevent", "DELETE"): "DELETE FROM audit_auditevent WHERE id = %s",
    ("audit_auditseal", "UPDATE"): "UPDATE audit_auditseal SET chain_hash = repeat('0', 64) WHERE event_id = %s",
    ("audit_auditseal", "DELETE"): "DELETE FROM audit_auditseal WHERE event_id = %s",
}


@pytest.fixture
def sealed_event(record_events):
    [event] = record_events(1)
    audit_seal_pending()
    return event


def _rows(event_id: int) -> tuple[list[dict], list[dict]]:
    return (
        list(AuditEvent.objects.filter(pk=event_id).values()),
        list(AuditSeal.objects.filter(event_id=event_id).values()),
    )


def _execute(sql: str, params: list, *, retention: str | None = None) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        if retention is not None:
            cursor.execute("SELECT set_config('dbsbm.audit_retention', %s, true)", [retention])
        cursor.execute(sql, params)


@pytest.mark.parametrize(("table", "operation"), list(STATEMENTS))
def test_the_database_refuses_to_change_audit_rows(sealed_event, table, operation):
    before = _rows(sealed_event.pk)

    with pytest.raises(ProgrammingError) as error:
        _execute(STATEMENTS[table, operation], [sealed_event.pk])

    assert type(error.value) is ProgrammingError
    assert error.value.__cause__.sqlstate == "42501"  # insufficient_privilege
    assert f"the audit trail is append-only: {operation} on {table} refused" in str(error.value)
    assert _rows(sealed_event.pk) == before


@pytest.mark.parametrize(
    "change",
    [
        lambda event: AuditEvent.objects.filter(pk=event.pk).update(reason="nothing happened"),
        lambda event: AuditEvent.objects.filter(pk=event.pk).delete(),
        lambda event: AuditSeal.objects.filter(event_id=event.pk).update(chain_hash="0" * 64),
        lambda event: AuditSeal.objects.filter(event_id=event.pk).delete(),
        lambda event: AuditEvent.objects.get(pk=event.pk).delete(),
    ],
    ids=["event-update", "event-delete", "seal-update", "seal-delete", "instance-delete"],
)
def test_the_orm_cannot_change_audit_rows_either(sealed_event, change):
    before = _rows(sealed_event.pk)

    with pytest.raises(ProgrammingError, match="append-only"), transaction.atomic():
        change(sealed_event)

    assert _rows(sealed_event.pk) == before


def test_saving_an_existing_event_again_is_refused(sealed_event):
    event = AuditEvent.objects.get(pk=sealed_event.pk)
    event.reason = "nothing happened"

    with pytest.raises(ProgrammingError, match="append-only: UPDATE"), transaction.atomic():
        event.save()

    assert AuditEvent.objects.get(pk=sealed_event.pk).reason == "event 0"


@pytest.mark.parametrize("table", ["audit_auditevent", "audit_auditseal"])
def test_the_retention_path_may_delete(sealed_event, table):
    _execute(STATEMENTS[table, "DELETE"], [sealed_event.pk], retention="on")

    events, seals = _rows(sealed_event.pk)
    assert (len(events), len(seals)) == ((0, 1) if table == "audit_auditevent" else (1, 0))


@pytest.mark.parametrize("table", ["audit_auditevent", "audit_auditseal"])
def test_the_retention_path_still_cannot_update(sealed_event, table):
    before = _rows(sealed_event.pk)

    with pytest.raises(ProgrammingError, match=f"append-only: UPDATE on {table} refused"):
        _execute(STATEMENTS[table, "UPDATE"], [sealed_event.pk], retention="on")

    assert _rows(sealed_event.pk) == before


@pytest.mark.parametrize("value", ["off", "true", "ON", ""])
def test_only_the_exact_retention_switch_allows_a_delete(sealed_event, value):
    before = _rows(sealed_event.pk)

    with pytest.raises(ProgrammingError, match="append-only: DELETE"):
        _execute(STATEMENTS["audit_auditevent", "DELETE"], [sealed_event.pk], retention=value)

    assert _rows(sealed_event.pk) == before


@pytest.mark.django_db(transaction=True)
def test_the_retention_switch_ends_with_its_transaction(sealed_event):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL dbsbm.audit_retention = 'on'")
        cursor.execute(STATEMENTS["audit_auditseal", "DELETE"], [sealed_event.pk])

    with pytest.raises(ProgrammingError, match="append-only: DELETE"):
        _execute(STATEMENTS["audit_auditevent", "DELETE"], [sealed_event.pk])

    assert _rows(sealed_event.pk)[0][0]["id"] == sealed_event.pk
