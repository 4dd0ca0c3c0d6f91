"""The audit trail's own retention: old events go to an archive file, the chain stays verifiable from a
checkpoint, the file chains into the checkpoint, and tampering on either side is still detected."""

import base64
import gzip
import json
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from apps.audit.hashing import event_content_hash
from apps.audit.models import AuditArchiveCheckpoint, AuditEvent, AuditSeal
from apps.audit.services import AuditChainBroken, audit_archive_before, audit_event, audit_seal_pending
from apps.audit.verification import audit_archive_file_problem, audit_archives_verify, audit_verify
from apps.core.actors import Actor
from apps.core.storage.archives import JsonLinesArchive, read_rows
from apps.core.storage.digests import file_sha256
from apps.keyring.services import keys_rotate
from tests.audit.tampering import as_superuser, delete_seal, edit_event

pytestmark = pytest.mark.django_db

CUTOFF_AGE = timedelta(days=30)


def _old_events(actor, count: int, *, guild_ids: dict[int, str] | None = None) -> list[AuditEvent]:
    """`count` events that occurred 100 days ago (a second apart), inserted the way audit_record does."""
    start = timezone.now() - timedelta(days=100)
    events = []
    with transaction.atomic():
        for index in range(count):
            author = Actor(kind="user", identifier="7", label="ana", ip_address=f"2001:db8::{index + 1}")
            event = audit_event(
                actor=author, action="tests.old_thing", reason=f"old {index}", guild_id=(guild_ids or {}).get(index, "")
            )
            event.occurred_at = start + timedelta(seconds=index)
            event.content_hash = event_content_hash(vars(event))
            event.save(force_insert=True)
            events.append(event)
    return events


def _key(checkpoint: AuditArchiveCheckpoint) -> bytes:
    return base64.b64decode(checkpoint.archive_key)


def _archive(actor, tmp_path, **kwargs):
    return audit_archive_before(before=timezone.now() - CUTOFF_AGE, directory=tmp_path, actor=actor, **kwargs)


def _call(*args: str) -> str:
    stdout = StringIO()
    call_command("audit_verify", *args, stdout=stdout)
    return stdout.getvalue()


def test_old_events_move_to_an_archive_and_the_rest_of_the_chain_verifies(actor, record_events, tmp_path):
    old = _old_events(actor, 5)
    recent = record_events(3)

    archived = _archive(actor, tmp_path)

    assert len(archived) == 1
    checkpoint, written = archived[0]
    assert (checkpoint.first_sequence, checkpoint.last_sequence, checkpoint.event_count) == (1, 5, 5)
    assert (checkpoint.last_event_id, written.rows) == (old[-1].pk, 5)
    assert checkpoint.chain_hash == AuditSeal.objects.get(sequence=6).previous_hash
    remaining = list(AuditEvent.objects.order_by("pk").values_list("pk", flat=True))
    archive_event = AuditEvent.objects.get(action="audit.events_archived")
    assert remaining == [event.pk for event in recent] + [archive_event.pk]
    assert not AuditSeal.objects.filter(sequence__lte=5).exists()
    result = audit_verify()
    assert (result.is_intact, result.checked, result.archived, result.starts_after_sequence) == (True, 4, 5, 5)


def test_audit_verify_passes_after_an_archive_and_checks_the_files_on_request(actor, record_events, tmp_path):
    _old_events(actor, 4)
    record_events(2)
    _archive(actor, tmp_path)

    output = _call("--archives")

    assert output.splitlines() == [
        "Audit chain intact: 3 events checked (1 sealed just now).",  # the archive sealed the others
        "The chain continues from the archive checkpoint at seal 4 (4 events archived).",
        "Audit archives intact: 1 files, 4 events checked.",
        "Published checkpoint checkpoint-000000000007.json.",
    ]


def test_the_archive_file_chains_from_genesis_into_the_checkpoint(actor, tmp_path):
    old = _old_events(actor, 3)
    checkpoint, written = _archive(actor, tmp_path)[0]

    rows = list(read_rows(Path(checkpoint.archive_path), key=_key(checkpoint)))

    assert [row["event"]["id"] for row in rows] == [event.pk for event in old]
    assert [row["seal"]["sequence"] for row in rows] == [1, 2, 3]
    assert rows[-1]["seal"]["chain_hash"] == checkpoint.chain_hash
    assert [row["event"]["ip_address"] for row in rows] == ["2001:db8::1", "2001:db8::2", "2001:db8::3"]
    assert audit_archive_file_problem(checkpoint) == (3, "")


def test_tampering_with_the_remaining_chain_is_still_detected(actor, record_events, tmp_path):
    _old_events(actor, 3)
    recent = record_events(4)
    _archive(actor, tmp_path)
    audit_seal_pending()
    edit_event(recent[1].pk)

    result = audit_verify()

    assert (result.is_intact, result.checked, result.first_bad_event_id) == (False, 1, recent[1].pk)
    with pytest.raises(CommandError, match=f"first bad event {recent[1].pk}: "):
        _call()


def test_deleting_the_first_remaining_seal_is_detected(actor, record_events, tmp_path):
    _old_events(actor, 3)
    recent = record_events(2)
    _archive(actor, tmp_path)
    audit_seal_pending()
    delete_seal(4)

    result = audit_verify()

    assert result.problem == f"seal 4 is missing before event {recent[1].pk} (a seal was deleted)"


def test_deleting_the_checkpoint_is_detected(actor, record_events, tmp_path):
    _old_events(actor, 3)
    recent = record_events(1)
    _archive(actor, tmp_path)
    as_superuser("DELETE FROM audit_auditarchivecheckpoint")

    result = audit_verify()

    assert (result.is_intact, result.first_bad_event_id) == (False, recent[0].pk)
    assert result.problem.startswith("seal 1 is missing")


def test_a_changed_archive_file_is_detected(actor, tmp_path):
    _old_events(actor, 3)
    checkpoint, _ = _archive(actor, tmp_path)[0]
    path = Path(checkpoint.archive_path)
    rows = list(read_rows(path, key=_key(checkpoint)))
    rows[1]["event"]["reason"] = "nothing happened"
    path.write_bytes(gzip.compress("".join(json.dumps(row) + "\n" for row in rows).encode()))

    label = f"archive {path.name} (checkpoint {checkpoint.pk})"
    assert audit_archives_verify().problems == [
        f"{label}: its SHA-256 differs from the checkpoint's (the file was altered)"
    ]
    with pytest.raises(CommandError, match="Audit archives BROKEN"):
        _call("--archives")


def test_an_altered_row_in_a_file_with_a_matching_hash_is_named(actor, tmp_path):
    _old_events(actor, 3)
    checkpoint, _ = _archive(actor, tmp_path)[0]
    rows = list(read_rows(Path(checkpoint.archive_path), key=_key(checkpoint)))
    rows[1]["event"]["reason"] = "nothing happened"
    with JsonLinesArchive(tmp_path, "forged.jsonl.gz", key=_key(checkpoint)) as forging:  # one who holds the key
        for row in rows:
            forging.write(row)
        forged = forging.close()
    forged = tmp_path / forged.name
    # as if the checkpoint named the forged file's hash: the rows themselves no longer chain
    checkpoint.archive_sha256 = file_sha256(forged)

    checked, problem = audit_archive_file_problem(checkpoint, forged)

    assert checked == 1
    assert problem.endswith(
        f"event {rows[1]['event']['id']} was altered or reordered (its content no longer matches its seal)"
    )


def test_archiving_everything_lets_sealing_continue_from_the_checkpoint(actor, record_events, tmp_path):
    _old_events(actor, 3)

    _archive(actor, tmp_path)
    later = record_events(2)

    result = audit_verify()
    assert (result.is_intact, result.checked, result.starts_after_sequence) == (True, 3, 3)
    assert list(AuditSeal.objects.order_by("sequence").values_list("sequence", "event_id"))[1:] == [
        (5, later[0].pk),
        (6, later[1].pk),
    ]


def test_archiving_in_batches_chains_the_checkpoints(actor, tmp_path):
    _old_events(actor, 5)

    archived = _archive(actor, tmp_path, batch_size=2)

    ranges = [(checkpoint.first_sequence, checkpoint.last_sequence) for checkpoint, _ in archived]
    assert ranges == [(1, 2), (3, 4), (5, 5)]
    assert [checkpoint.previous_hash for checkpoint, _ in archived[1:]] == [
        checkpoint.chain_hash for checkpoint, _ in archived[:-1]
    ]
    assert audit_verify().is_intact
    files = audit_archives_verify()
    assert (files.is_intact, files.files_checked, files.events_checked) == (True, 3, 5)


def test_a_held_tenant_stops_the_archive_before_its_first_event(actor, tmp_path):
    _old_events(actor, 6, guild_ids={2: "999999999999999999"})

    archived = _archive(actor, tmp_path, held_guild_ids=["999999999999999999"])

    assert [(checkpoint.first_sequence, checkpoint.last_sequence) for checkpoint, _ in archived] == [(1, 2)]
    assert AuditEvent.objects.filter(action="tests.old_thing").count() == 4
    assert audit_verify().is_intact


def test_a_broken_chain_is_not_archived(actor, tmp_path):
    old = _old_events(actor, 4)
    audit_seal_pending(full_scan=True)
    edit_event(old[2].pk)

    with pytest.raises(AuditChainBroken, match=f"event {old[2].pk} was altered"):
        _archive(actor, tmp_path)

    assert AuditEvent.objects.filter(action="tests.old_thing").count() == 4
    assert (AuditArchiveCheckpoint.objects.count(), list(tmp_path.iterdir())) == (0, [])


def test_nothing_old_enough_archives_nothing(actor, record_events, tmp_path):
    record_events(3)

    assert _archive(actor, tmp_path) == []
    assert AuditArchiveCheckpoint.objects.count() == 0


def test_checkpoints_refuse_update_and_delete(actor, tmp_path):
    _old_events(actor, 2)
    checkpoint, _ = _archive(actor, tmp_path)[0]

    statements = ("UPDATE audit_auditarchivecheckpoint SET event_count = 1", "DELETE FROM audit_auditarchivecheckpoint")
    for statement in statements:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            # with the retention setting on, too: checkpoints have no bypass
            cursor.execute("SET LOCAL dbsbm.audit_retention = 'on'")
            cursor.execute(statement)
    assert AuditArchiveCheckpoint.objects.get().event_count == 2


def test_the_retention_setting_does_not_leak_past_the_archive(actor, record_events, tmp_path):
    _old_events(actor, 2)
    recent = record_events(1)
    with transaction.atomic():
        _archive(actor, tmp_path)
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEvent.objects.filter(pk=recent[0].pk).delete()


def test_archive_files_are_sealed_and_their_key_is_encrypted_at_rest(actor, tmp_path):
    _old_events(actor, 3)
    checkpoint, written = _archive(actor, tmp_path)[0]

    stored = Path(checkpoint.archive_path).read_bytes()
    with connection.cursor() as cursor:
        cursor.execute("SELECT archive_key FROM audit_auditarchivecheckpoint WHERE id = %s", [checkpoint.pk])
        (stored_key,) = cursor.fetchone()

    assert written.name.endswith(".jsonl.gz.sealed") and not stored.startswith(b"\x1f\x8b")
    assert b"2001:db8" not in stored and b"old 1" not in stored
    assert stored_key.startswith("v1:") and checkpoint.archive_key not in stored_key
    with pytest.raises(ValueError, match="its key is needed"):
        list(read_rows(Path(checkpoint.archive_path)))


def test_key_rotation_may_change_a_checkpoints_key_ciphertext_and_nothing_else(actor, tmp_path):
    _old_events(actor, 2)
    _archive(actor, tmp_path)

    result = keys_rotate(actor=actor, new_key=True)

    assert 1 in result.retired_versions and not result.failed
    with connection.cursor() as cursor:
        cursor.execute("SELECT archive_key FROM audit_auditarchivecheckpoint")
        assert cursor.fetchone()[0].startswith(f"v{result.active_version}:")
    assert "Audit archives intact: 1 files, 2 events checked." in _call("--archives").splitlines()
    statements = (
        "UPDATE audit_auditarchivecheckpoint SET event_count = 1",
        "UPDATE audit_auditarchivecheckpoint SET archive_key = 'v9:AAAA', chain_hash = 'x'",
    )
    for statement in statements:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL dbsbm.key_rotation = 'on'")
            cursor.execute(statement)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditarchivecheckpoint SET archive_key = ''")  # outside a rotation
