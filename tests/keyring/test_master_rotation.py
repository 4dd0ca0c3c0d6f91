"""rotate_master_key: data keys re-wrapped and blind indexes recomputed, all or nothing."""

import contextlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings

from apps.accounts.models import Member
from apps.audit.keys import audit_chain_keys
from apps.audit.models import AuditEvent
from apps.audit.services import audit_record
from apps.core.actors import Actor
from apps.keyring.errors import KeyringError, MasterKeyMismatch
from apps.keyring.fields import blind_index_for
from apps.keyring.master import generate_master_key, master_key, reset_master_key
from apps.keyring.models import DataKey
from apps.keyring.ring import key_ring
from apps.keyring.services import data_key_create
from apps.security.models import SecurityEvent
from tests.keyring.helpers import PERSON, raw, set_raw

IP = "198.51.100.23"


@contextlib.contextmanager
def _configured(master_key_text: str):
    """The processes restarted with this master key."""
    with override_settings(DBSBM_MASTER_KEY=master_key_text):
        _restart()
        yield
    _restart()


def _restart() -> None:
    reset_master_key()
    key_ring.clear()


@pytest.fixture
def new_key_file(tmp_path):
    path = tmp_path / "new-master.key"
    path.write_text(generate_master_key() + "\n")
    return path


@pytest.fixture
def event(db):
    return SecurityEvent.objects.create(event_type="login_failed", actor_kind="anonymous", ip_address=IP)


def _rotate(path) -> str:
    stdout = StringIO()
    call_command("rotate_master_key", "--new-key-file", str(path), "--batch-size", "1", stdout=stdout)
    return stdout.getvalue()


def test_after_a_rotation_the_new_key_opens_everything_and_the_old_one_nothing(member, event, new_key_file):
    data_key_create(actor=Actor.system("test"))  # two data keys: both are re-wrapped
    old_fingerprint = master_key().fingerprint
    email_ciphertext = raw("accounts_member", "email", member.pk)
    old_email_index = raw("accounts_member", "email_index", member.pk)

    output = _rotate(new_key_file)

    assert "2 data keys re-wrapped" in output and "restart" in output
    assert raw("accounts_member", "email", member.pk) == email_ciphertext  # values are not re-encrypted
    assert raw("accounts_member", "email_index", member.pk) != old_email_index
    with _configured(new_key_file.read_text().strip()):
        assert {key.master_key_fingerprint for key in DataKey.objects.all()} == {master_key().fingerprint}
        assert master_key().fingerprint != old_fingerprint
        found = Member.objects.get(email_index=blind_index_for(Member, "email_index", PERSON["email"]))
        assert (found.pk, found.email, found.date_of_birth) == (member.pk, PERSON["email"], PERSON["date_of_birth"])
        by_ip = SecurityEvent.objects.filter(ip_address_index=blind_index_for(SecurityEvent, "ip_address_index", IP))
        assert [row.pk for row in by_ip] == [event.pk]
    _restart()  # with the old key
    with pytest.raises(MasterKeyMismatch, match="is not the one data key"):
        list(Member.objects.all())
    audited = AuditEvent.objects.get(action="keyring.master_key_rotated")
    assert audited.changes["master_key_fingerprint"]["before"] == old_fingerprint
    assert audited.changes["data_keys_rewrapped"]["after"] == 2


def test_a_row_that_cannot_be_read_stops_the_rotation_and_changes_nothing(member, new_key_file):
    other = Member.objects.create(tenant=member.tenant, discord_user_id="300000000000000077", username="bo")
    other.email = "bo@example.org"
    other.save()
    set_raw("accounts_member", "email", other.pk, raw("accounts_member", "email", other.pk)[:-6] + "AAAAAA")
    before = list(DataKey.objects.values_list("wrapped_key", "master_key_fingerprint"))
    index_before = raw("accounts_member", "email_index", member.pk)

    with pytest.raises(CommandError, match=f"accounts.Member.email row {other.pk} cannot be read"):
        _rotate(new_key_file)

    assert list(DataKey.objects.values_list("wrapped_key", "master_key_fingerprint")) == before
    assert raw("accounts_member", "email_index", member.pk) == index_before
    assert not AuditEvent.objects.filter(action="keyring.master_key_rotated").exists()
    assert Member.objects.get(pk=member.pk).email == PERSON["email"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not a key", "not url-safe base64 of 32 bytes"),
        (None, "the one in use"),
    ],
)
def test_a_bad_or_unchanged_new_key_is_refused(member, tmp_path, settings, content, message):
    path = tmp_path / "new.key"
    path.write_text(content if content is not None else settings.DBSBM_MASTER_KEY)

    with pytest.raises(CommandError, match=message):
        _rotate(path)

    assert {key.master_key_fingerprint for key in DataKey.objects.all()} == {master_key().fingerprint}


def test_a_missing_key_file_is_refused(db, tmp_path):
    with pytest.raises(CommandError, match="cannot be read"):
        _rotate(tmp_path / "absent.key")


def test_the_audit_chain_verifies_after_a_rotation_with_the_same_keys(record_audit_events, new_key_file):
    """The chain's secret is re-wrapped, not replaced: seals, signatures and the published public key
    stay valid under the new master key (a key derived from the master key itself would not)."""
    record_audit_events(3)
    assert "Published checkpoint" in _call_audit_verify()
    before = audit_chain_keys()

    output = _rotate(new_key_file)

    assert "re-wrapped 1 sealed secrets under the new master key" in output
    with _configured(new_key_file.read_text().strip()):
        after = audit_chain_keys()
        assert (after.seal_key, after.key_id) == (before.seal_key, before.key_id)
        record_audit_events(2)
        output = _call_audit_verify()
        # 3 + the rotation's own event + 2, checked against the checkpoint signed before the rotation
        assert "Audit chain intact: 6 events checked" in output
        assert "Last trusted checkpoint: seal 3," in output
    _restart()  # with the old key
    with pytest.raises(KeyringError, match="not by the configured one"):
        audit_chain_keys()


def _call_audit_verify() -> str:
    stdout = StringIO()
    call_command("audit_verify", stdout=stdout)
    return stdout.getvalue()


@pytest.fixture
def record_audit_events(db):
    def _record(count: int) -> None:
        with transaction.atomic():
            for number in range(count):
                audit_record(actor=Actor.system("test"), action="tests.thing_done", reason=f"event {number}")

    return _record
