"""Writers record lock-free while two sealers run: every committed event ends up sealed exactly once."""

import threading
import time

import pytest
from django.db import connection, transaction

from apps.audit.models import AuditEvent, AuditSeal
from apps.audit.services import audit_record, audit_seal_pending
from apps.audit.verification import audit_verify
from apps.core.actors import Actor

WRITERS = 4
TRANSACTIONS_PER_WRITER = 15
EVENTS_PER_TRANSACTION = 3


def _in_thread(target, errors: list[BaseException], *args) -> threading.Thread:
    def run() -> None:
        try:
            target(*args)
        except BaseException as error:  # noqa: BLE001 - re-raised by the test through `errors`
            errors.append(error)
        finally:
            connection.close()

    return threading.Thread(target=run)


def _write(writer: int, start: threading.Barrier) -> None:
    actor = Actor(kind="api_key", identifier=str(writer), label=f"writer {writer}")
    start.wait()
    for batch in range(TRANSACTIONS_PER_WRITER):
        with transaction.atomic():
            for index in range(EVENTS_PER_TRANSACTION):
                audit_record(actor=actor, action="tests.thing_done", guild_id=str(writer), reason=f"{batch}.{index}")
            if batch % (writer + 2) == 0:
                time.sleep(0.005)  # hold the transaction open: ids commit out of order


def _seal(start: threading.Barrier, writers_done: threading.Event, sealed: list[int]) -> None:
    start.wait()
    while not writers_done.is_set():
        sealed.append(audit_seal_pending())
    sealed.append(audit_seal_pending())


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_and_sealers_build_one_gap_free_chain():
    errors: list[BaseException] = []
    sealed: list[int] = []
    start = threading.Barrier(WRITERS + 2)
    writers_done = threading.Event()
    writers = [_in_thread(_write, errors, writer, start) for writer in range(WRITERS)]
    sealers = [_in_thread(_seal, errors, start, writers_done, sealed) for _ in range(2)]

    for thread in writers + sealers:
        thread.start()
    for thread in writers:
        thread.join(timeout=60)
    writers_done.set()
    for thread in sealers:
        thread.join(timeout=60)

    assert errors == []
    total = WRITERS * TRANSACTIONS_PER_WRITER * EVENTS_PER_TRANSACTION
    event_ids = list(AuditEvent.objects.order_by("pk").values_list("pk", flat=True))
    seals = list(AuditSeal.objects.order_by("sequence").values_list("sequence", "event_id"))
    assert len(event_ids) == total
    assert sum(sealed) == total
    assert [sequence for sequence, _ in seals] == list(range(1, total + 1))
    assert sorted(event_id for _, event_id in seals) == event_ids
    result = audit_verify()
    assert (result.checked, result.sealed_now, result.is_intact) == (total, 0, True)
