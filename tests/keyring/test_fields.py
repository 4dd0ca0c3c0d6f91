"""Encrypted fields: round trips, key versions in the ciphertext, blind indexes, and errors that name
the model, field and row instead of losing data."""

import datetime

import pytest
from django.core.exceptions import FieldError
from django.db.models import F
from django.test import override_settings

from apps.accounts.models import Member
from apps.keyring.fields import (
    SEALED_TEXT,
    CorruptedCiphertext,
    DecryptionError,
    MasterKeyMismatch,
    UnknownKeyVersion,
    blind_index_for,
    encrypted_fields,
    is_encrypted_field,
    is_sealed,
)
from apps.keyring.master import generate_master_key, reset_master_key
from apps.keyring.restricted import reset_restricted_keys
from apps.keyring.ring import key_ring
from apps.security.models import SecurityEvent
from tests.keyring.helpers import PERSON, raw, set_raw

pytestmark = pytest.mark.django_db


def test_values_round_trip_and_are_stored_encrypted_under_the_active_version(member):
    reloaded = Member.objects.get(pk=member.pk)

    assert (reloaded.email, reloaded.date_of_birth, reloaded.notes) == (
        PERSON["email"],
        PERSON["date_of_birth"],
        PERSON["notes"],
    )
    stored_email = raw("accounts_member", "email", member.pk)
    assert stored_email.startswith("v1:") and "Lovelace" not in stored_email
    assert raw("accounts_member", "date_of_birth", member.pk).startswith("v1:")
    assert raw("accounts_member", "notes", member.pk).startswith("h1:")
    assert raw("accounts_member", "email_index", member.pk) == blind_index_for(Member, "email_index", PERSON["email"])


def test_each_encryption_uses_a_fresh_nonce(member):
    first = raw("accounts_member", "email", member.pk)
    member.save()
    assert raw("accounts_member", "email", member.pk) != first
    assert Member.objects.get(pk=member.pk).email == PERSON["email"]


@pytest.mark.parametrize("spelling", ["ada.lovelace@example.org", "  ADA.LOVELACE@EXAMPLE.ORG "])
def test_the_blind_index_finds_an_email_in_any_case(member, spelling):
    found = Member.objects.filter(email_index=blind_index_for(Member, "email_index", spelling))
    assert list(found) == [member]


def test_empty_and_null_values_are_stored_as_they_are(tenant):
    member = Member.objects.create(tenant=tenant, discord_user_id="300000000000000009", username="bob")
    assert (raw("accounts_member", "email", member.pk), raw("accounts_member", "date_of_birth", member.pk)) == (
        "",
        None,
    )
    assert raw("accounts_member", "email_index", member.pk) is None
    reloaded = Member.objects.get(pk=member.pk)
    assert (reloaded.email, reloaded.date_of_birth, reloaded.notes) == ("", None, "")


def test_filtering_an_encrypted_field_by_value_is_refused_with_a_pointer_to_the_blind_index():
    with pytest.raises(FieldError, match="accounts.Member.email cannot be filtered with 'exact'.*BlindIndexField"):
        Member.objects.filter(email="ada@example.org").count()
    assert Member.objects.filter(date_of_birth__isnull=True).count() == 0


def test_ip_addresses_are_canonical_encrypted_and_indexed(db):
    event = SecurityEvent.objects.create(
        event_type="login_failed", actor_kind="anonymous", ip_address="::ffff:10.0.0.1"
    )
    assert raw("security_securityevent", "ip_address", event.pk).startswith("v1:")
    assert SecurityEvent.objects.get(pk=event.pk).ip_address == "::ffff:10.0.0.1"
    assert list(
        SecurityEvent.objects.filter(
            ip_address_index=blind_index_for(SecurityEvent, "ip_address_index", "::FFFF:10.0.0.1")
        )
    ) == [event]


def test_a_corrupted_ciphertext_names_model_field_and_row_and_saving_keeps_it(member):
    stored = raw("accounts_member", "email", member.pk)
    corrupted = stored[:-6] + ("AAAAAA" if not stored.endswith("AAAAAA") else "BBBBBB")
    set_raw("accounts_member", "email", member.pk, corrupted)
    reloaded = Member.objects.get(pk=member.pk)

    with pytest.raises(CorruptedCiphertext) as error:
        reloaded.email  # noqa: B018 - reading is what raises
    assert error.value.message.startswith(f"accounts.Member.email of row {member.pk} cannot be decrypted")
    assert (error.value.model_label, error.value.field_name, error.value.pk) == ("accounts.Member", "email", member.pk)

    reloaded.display_name = "Countess"
    reloaded.save()  # other fields change; the unreadable value is kept, not replaced by a marker
    assert raw("accounts_member", "email", member.pk) == corrupted


def test_plaintext_in_an_encrypted_column_is_an_error_not_a_value(member):
    set_raw("accounts_member", "email", member.pk, "someone@example.org")
    with pytest.raises(CorruptedCiphertext, match=f"row {member.pk} cannot be decrypted: no key version prefix"):
        Member.objects.get(pk=member.pk).email  # noqa: B018


def test_a_missing_key_version_names_the_version_and_the_row(member):
    stored = raw("accounts_member", "date_of_birth", member.pk)
    set_raw("accounts_member", "date_of_birth", member.pk, "v99:" + stored.split(":", 1)[1])
    with pytest.raises(UnknownKeyVersion) as error:
        Member.objects.get(pk=member.pk).date_of_birth  # noqa: B018
    assert error.value.message == (
        f"accounts.Member.date_of_birth of row {member.pk} cannot be decrypted: data key v99 does not exist "
        "(deleted, or the row comes from another database)"
    )


def test_a_ciphertext_moved_to_another_column_does_not_decrypt(member):
    set_raw("accounts_member", "date_of_birth", member.pk, raw("accounts_member", "email", member.pk))
    with pytest.raises(DecryptionError, match="does not authenticate"):
        Member.objects.get(pk=member.pk).date_of_birth  # noqa: B018


def test_a_wrong_master_key_is_refused_before_anything_is_read(member):
    with override_settings(DBSBM_MASTER_KEY=generate_master_key()):
        reset_master_key()
        key_ring.clear()
        with pytest.raises(MasterKeyMismatch, match="is not the one data key v1 was wrapped with"):
            list(Member.objects.all())
    reset_master_key()
    key_ring.clear()
    assert Member.objects.get(pk=member.pk).email == PERSON["email"]


def test_without_the_restricted_private_key_notes_read_as_sealed_and_survive_a_save(member):
    stored = raw("accounts_member", "notes", member.pk)
    with override_settings(DBSBM_RESTRICTED_PRIVATE_KEY_FILE=""):
        reset_restricted_keys()
        reloaded = Member.objects.get(pk=member.pk)
        assert (is_sealed(reloaded.notes), str(reloaded.notes)) == (True, SEALED_TEXT)
        assert reloaded.email == PERSON["email"]  # the data key ring is unaffected
        reloaded.save()
        # sealing needs only the public key
        Member.objects.filter(pk=member.pk).update(display_name="x")
        other = Member(tenant=member.tenant, discord_user_id="300000000000000002", username="x", notes="new note")
        other.save()
    reset_restricted_keys()
    assert raw("accounts_member", "notes", member.pk) == stored
    assert Member.objects.get(pk=other.pk).notes == "new note"


def test_long_highly_restricted_text_round_trips(member):
    text = "é" * 50_000
    member.notes = text
    member.save()
    assert Member.objects.get(pk=member.pk).notes == text


def test_encrypted_fields_are_discoverable_for_compliance_checks():
    labels = {f"{field.model._meta.label}.{field.name}" for field in encrypted_fields()}
    assert {
        "accounts.Member.email",
        "accounts.Member.date_of_birth",
        "accounts.Member.notes",
        "audit.AuditEvent.ip_address",
        "security.SecurityEvent.ip_address",
    } <= labels
    assert is_encrypted_field(Member._meta.get_field("email"))
    assert not is_encrypted_field(Member._meta.get_field("username"))
    assert not is_encrypted_field(Member._meta.get_field("email_index"))


def test_dates_are_validated():
    member = Member(date_of_birth="1990-02-30")
    with pytest.raises(Exception, match="is not a date in YYYY-MM-DD format"):
        member.full_clean(exclude=["tenant", "discord_user_id", "username"])
    assert Member(date_of_birth="1990-02-03").date_of_birth == "1990-02-03"
    assert Member._meta.get_field("date_of_birth").to_python("1990-02-03") == datetime.date(1990, 2, 3)


def test_a_queryset_update_of_an_email_moves_its_blind_index(member):
    Member.objects.filter(pk=member.pk).update(email="New.Address@Example.org")

    found = Member.objects.filter(email_index=blind_index_for(Member, "email_index", "new.address@example.org"))
    old = Member.objects.filter(email_index=blind_index_for(Member, "email_index", PERSON["email"]))
    assert list(found) == [member] and not old.exists()
    assert raw("accounts_member", "email", member.pk).startswith("v1:")

    Member.objects.filter(pk=member.pk).update(email="")
    assert raw("accounts_member", "email_index", member.pk) is None


def test_a_queryset_update_of_an_email_from_an_expression_is_refused(member):
    with pytest.raises(ValueError, match="has a blind index"):
        Member.objects.filter(pk=member.pk).update(email=F("username"))

    assert Member.objects.get(pk=member.pk).email == PERSON["email"]
