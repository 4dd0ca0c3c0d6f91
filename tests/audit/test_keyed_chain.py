"""An attacker who can write the database: rewritten history, truncation, forged checkpoints."""

import base64
import json
import stat
from io import StringIO
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.audit.checkpoints import audit_checkpoint_publish, checkpoint_names, checkpoint_store
from apps.audit.hashing import GENESIS_HASH, event_content_hash, seal_chain_hash
from apps.audit.keys import AuditKeyError, audit_chain_keys
from apps.audit.models import AuditArchiveCheckpoint, AuditEvent, AuditSeal, SealAlgorithm
from apps.audit.services import audit_seal_pending
from apps.audit.tasks import audit_seal_pending_task
from apps.keyring.master import master_key
from apps.keyring.models import SealedSecret
from tests.audit.tampering import as_superuser, edit_event, edit_seal, rewrite_history, truncate_chain

pytestmark = pytest.mark.django_db


def _call(name: str, *args: str) -> str:
    stdout = StringIO()
    call_command(name, *args, stdout=stdout)
    return stdout.getvalue()


def _verify_fails() -> str:
    with pytest.raises(CommandError) as error:
        _call("audit_verify")
    assert error.value.returncode == 1
    return str(error.value)


@pytest.mark.parametrize("position", [0, 2, 7])
def test_an_event_rewritten_with_every_later_hash_recomputed_is_detected(record_events, position):
    """Done when of issue #11: plain SHA-256 (and the seals marked as the unkeyed algorithm) no
    longer passes, because the seals are keyed with a secret the database does not hold."""
    events = record_events(8)
    audit_seal_pending()

    rewrite_history(events[position].pk)

    assert _verify_fails().startswith(
        f"Audit chain BROKEN after {position} good events: first bad event {events[position].pk}: "
    )


def test_truncation_before_the_last_checkpoint_is_detected(record_events):
    record_events(8)
    _call("audit_verify")  # publishes a checkpoint of the chain head (seal 8)

    truncate_chain(keep=5)

    message = _verify_fails()
    assert "truncated" in message
    assert "seal 8" in message


# --- the keys ----------------------------------------------------------------------------------------


def test_the_database_holds_the_chain_key_only_wrapped_by_the_master_key(record_events):
    record_events(2)
    audit_seal_pending()

    keys = audit_chain_keys()
    row = SealedSecret.objects.get(purpose="audit-chain")

    assert (row.context, row.master_key_fingerprint) == ("legacy-through=0", master_key().fingerprint)
    assert keys.seal_key.hex() not in row.wrapped_secret and base64.b64encode(keys.seal_key).decode() not in str(
        list(SealedSecret.objects.values())
    )
    assert set(AuditSeal.objects.values_list("algorithm", flat=True)) == {"hmac-sha256"}


def test_a_deleted_chain_key_fails_verification_and_stops_the_sealer(record_events):
    record_events(3)
    audit_seal_pending()
    SealedSecret.objects.filter(purpose="audit-chain").delete()  # no trigger guards it: it only does harm
    record_events(1)

    assert "the audit chain's key is gone" in _verify_fails()
    with pytest.raises(AuditKeyError, match="is missing although keyed seals"):
        audit_seal_pending()
    assert AuditSeal.objects.count() == 3


def test_a_chain_key_row_moved_to_another_boundary_does_not_unwrap(record_events):
    record_events(3)
    audit_seal_pending()
    SealedSecret.objects.filter(purpose="audit-chain").update(context="legacy-through=3")  # "all unkeyed"

    assert "does not unwrap" in _verify_fails()


# --- chains sealed before seals were keyed -------------------------------------------------------------


def _legacy_chain(events) -> None:
    """Seal `events` as the version before this one did: plain SHA-256, no key anywhere."""
    previous_hash = GENESIS_HASH
    for sequence, event in enumerate(events, start=1):
        chain_hash = seal_chain_hash(
            sequence=sequence, event_id=event.pk, content_hash=event.content_hash, previous_hash=previous_hash
        )
        AuditSeal.objects.create(
            sequence=sequence,
            event_id=event.pk,
            content_hash=event.content_hash,
            previous_hash=previous_hash,
            chain_hash=chain_hash,
            algorithm=SealAlgorithm.LEGACY,
        )
        previous_hash = chain_hash


def test_an_upgraded_chain_keeps_its_legacy_seals_and_keys_every_later_one(record_events):
    _legacy_chain(record_events(4))
    record_events(2)

    output = _call("audit_verify")

    assert output.splitlines()[:2] == [
        "Audit chain intact: 6 events checked (2 sealed just now).",
        "4 seals were made before the chain was keyed (plain SHA-256): they are protected only by the keyed "
        "seals after them.",
    ]
    assert audit_chain_keys().legacy_through == 4
    assert (
        list(AuditSeal.objects.order_by("sequence").values_list("algorithm", flat=True))
        == ["sha256"] * 4 + ["hmac-sha256"] * 2
    )


def test_rewriting_only_the_legacy_stretch_breaks_at_the_first_keyed_seal(record_events):
    """The first keyed seal signs the last legacy hash: the unkeyed prefix cannot be rewritten either."""
    legacy = record_events(4)
    _legacy_chain(legacy)
    later = record_events(2)
    audit_seal_pending()
    edit_event(legacy[1].pk)
    forged = AuditEvent.objects.get(pk=legacy[1].pk)
    edit_event(forged.pk, column="content_hash", expression=f"'{event_content_hash(vars(forged))}'")
    previous_hash = AuditSeal.objects.get(sequence=1).chain_hash
    for sequence in (2, 3, 4):
        seal = AuditSeal.objects.get(sequence=sequence)
        content_hash = AuditEvent.objects.get(pk=seal.event_id).content_hash
        chain_hash = seal_chain_hash(
            sequence=sequence, event_id=seal.event_id, content_hash=content_hash, previous_hash=previous_hash
        )
        edit_seal(sequence, column="content_hash", expression=f"'{content_hash}'")
        edit_seal(sequence, column="previous_hash", expression=f"'{previous_hash}'")
        edit_seal(sequence, column="chain_hash", expression=f"'{chain_hash}'")
        previous_hash = chain_hash

    assert _verify_fails().startswith(f"Audit chain BROKEN after 4 good events: first bad event {later[0].pk}: ")


def test_relabelling_keyed_seals_as_legacy_is_detected(record_events):
    legacy = record_events(3)
    _legacy_chain(legacy)
    later = record_events(3)
    audit_seal_pending()

    rewrite_history(later[1].pk)

    assert "claims the unkeyed algorithm" in _verify_fails()


# --- published checkpoints -----------------------------------------------------------------------------


def test_a_checkpoint_is_signed_read_only_and_verifies_with_the_published_public_key(
    record_events, _audit_checkpoint_directory
):
    record_events(3)
    audit_seal_pending()

    checkpoint = audit_checkpoint_publish()

    directory = Path(_audit_checkpoint_directory)
    keys = audit_chain_keys()
    path = directory / "checkpoint-000000000003.json"
    assert (checkpoint.sequence, checkpoint.chain_hash) == (3, AuditSeal.objects.get(sequence=3).chain_hash)
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    document = json.loads(path.read_text())
    public_key = load_pem_public_key((directory / f"audit-checkpoint-key-{keys.key_id}.pem").read_bytes())
    signed = {name: value for name, value in document.items() if name != "signature"}
    public_key.verify(
        base64.b64decode(document["signature"]), json.dumps(signed, sort_keys=True, separators=(",", ":")).encode()
    )
    assert (document["sequence"], document["chain_hash"]) == (3, checkpoint.chain_hash)
    assert checkpoint_store().put("checkpoint-000000000003.json", b"{}") is False  # never overwritten
    assert json.loads(path.read_text()) == document


def test_the_sealer_publishes_when_due(record_events, settings):
    settings.AUDIT_CHECKPOINT_EVERY_SEALS = 3
    record_events(2)
    assert audit_seal_pending_task() == 2
    assert checkpoint_names(checkpoint_store()) == ["checkpoint-000000000002.json"]  # the first one at once

    record_events(2)
    audit_seal_pending_task()
    assert checkpoint_names(checkpoint_store()) == ["checkpoint-000000000002.json"]  # 2 seals: not due yet

    record_events(1)
    audit_seal_pending_task()
    assert checkpoint_names(checkpoint_store())[-1] == "checkpoint-000000000005.json"

    settings.AUDIT_CHECKPOINT_EVERY_SECONDS = 0
    record_events(1)
    audit_seal_pending_task()
    assert checkpoint_names(checkpoint_store())[-1] == "checkpoint-000000000006.json"


def test_audit_verify_reports_the_last_checkpoint_it_trusted(record_events):
    record_events(3)
    _call("audit_verify")
    record_events(2)

    output = _call("audit_verify")

    assert "Last trusted checkpoint: seal 3, published " in output
    assert output.splitlines()[-1] == "Published checkpoint checkpoint-000000000005.json."


def test_a_chain_cut_and_grown_again_disagrees_with_its_checkpoint(record_events):
    record_events(8)
    _call("audit_verify")
    truncate_chain(keep=5)
    record_events(3)  # the sealer goes on from seal 5: seals 6-8 again, other events

    message = _verify_fails()

    assert "seal 8 differs from the checkpoint published at" in message
    assert audit_checkpoint_publish(force=True) is None  # nothing signed over the contradiction


def test_the_sealer_does_not_sign_over_a_truncation(record_events):
    record_events(6)
    _call("audit_verify")
    truncate_chain(keep=4)

    assert audit_checkpoint_publish(force=True) is None
    assert checkpoint_names(checkpoint_store()) == ["checkpoint-000000000006.json"]


def test_a_forged_checkpoint_fails_verification(record_events, _audit_checkpoint_directory):
    record_events(4)
    audit_seal_pending()
    other = Ed25519PrivateKey.generate()
    signed = {
        "format": "dbsbm-audit-checkpoint/1",
        "sequence": 9,
        "chain_hash": "0" * 64,
        "published_at": "2026-01-01T00:00:00+00:00",
        "key_id": audit_chain_keys().key_id,
    }
    signature = other.sign(json.dumps(signed, sort_keys=True, separators=(",", ":")).encode())
    document = {**signed, "signature": base64.b64encode(signature).decode()}
    Path(_audit_checkpoint_directory, "checkpoint-000000000009.json").write_text(json.dumps(document))

    assert "checkpoint-000000000009.json: its signature does not verify" in _verify_fails()


def test_deleting_the_key_and_relabelling_every_seal_is_caught_by_the_checkpoints(record_events):
    """The one way left to make the tables look unkeyed again: the published checkpoints remember."""
    events = record_events(5)
    _call("audit_verify")
    SealedSecret.objects.filter(purpose="audit-chain").delete()

    rewrite_history(events[0].pk)

    assert "signed checkpoints are published" in _verify_fails()


def test_an_s3_store_is_refused_until_a_client_exists(record_events, settings):
    settings.AUDIT_CHECKPOINT_STORE = "s3"

    with pytest.raises(ImproperlyConfigured, match="not implemented"):
        checkpoint_store()


def test_a_forged_archive_checkpoint_is_detected(record_events):
    """Deleting the oldest stretch and claiming retention archived it needs the chain's key too."""
    record_events(6)
    audit_seal_pending()
    head = AuditSeal.objects.get(sequence=4)
    truncate_oldest = list(AuditSeal.objects.filter(sequence__lte=4).values_list("event_id", flat=True))
    as_superuser("DELETE FROM audit_auditseal WHERE sequence <= 4")
    as_superuser("DELETE FROM audit_auditevent WHERE id = ANY(%s)", [truncate_oldest])
    AuditArchiveCheckpoint.objects.create(
        first_sequence=1,
        last_sequence=4,
        last_event_id=head.event_id,
        previous_hash=GENESIS_HASH,
        chain_hash=head.chain_hash,
        event_count=4,
        occurred_before=timezone.now(),
        archive_path="/nowhere/audit-events.jsonl.gz.sealed",
        archive_sha256="0" * 64,
    )

    assert "was not written by retention (its keyed seal does not verify)" in _verify_fails()
