"""Rotation: a new key, rows moved onto it in batches, old keys retired only when no row uses them,
and the audit trail (append-only, hash-chained over plaintext) still verifies afterwards."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.dispatch import receiver

from apps.accounts.models import Member
from apps.audit.models import AuditEvent
from apps.audit.services import audit_record
from apps.audit.verification import audit_verify
from apps.core.actors import Actor
from apps.keyring.choices import DataKeyStatus
from apps.keyring.models import DataKey
from apps.keyring.selectors import key_ring_status
from apps.keyring.services import data_key_create, keys_rotate
from apps.keyring.signals import keys_rotated
from apps.security.models import SecurityEvent
from tests.keyring.helpers import PERSON, raw, set_raw

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")


def _events(count: int) -> list[SecurityEvent]:
    return SecurityEvent.objects.bulk_create(
        SecurityEvent(event_type="login_failed", actor_kind="anonymous", ip_address=f"192.0.2.{number}")
        for number in range(count)
    )


def _statuses() -> dict[int, str]:
    return dict(DataKey.objects.values_list("version", "status"))


def test_rotation_moves_every_row_to_the_new_key_and_retires_the_old_one(member):
    events = _events(7)
    output = StringIO()

    call_command("rotate_keys", "--new-key", "--batch-size", "3", stdout=output)

    assert _statuses() == {1: DataKeyStatus.RETIRED, 2: DataKeyStatus.ACTIVE}
    assert raw("accounts_member", "email", member.pk).startswith("v2:")
    assert {raw("security_securityevent", "ip_address", event.pk)[:3] for event in events} == {"v2:"}
    assert sorted(SecurityEvent.objects.values_list("ip_address", flat=True)) == sorted(e.ip_address for e in events)
    assert Member.objects.get(pk=member.pk).date_of_birth == PERSON["date_of_birth"]
    assert raw("accounts_member", "notes", member.pk).startswith("h1:")  # not on the data key ring
    lines = output.getvalue().splitlines()
    assert lines[0] == "created data key v2; it is now the active key"
    assert "security.SecurityEvent.ip_address: " in output.getvalue()
    assert lines[-1].startswith("active key v2; ") and lines[-1].endswith("retired: v1")


def test_old_rows_decrypt_with_the_old_key_and_new_writes_use_the_new_one(member):
    data_key_create(actor=SYSTEM)  # a new key, before rotation has reached any row

    member.display_name = "changed"
    reloaded = Member.objects.get(pk=member.pk)
    assert (reloaded.email, raw("accounts_member", "email", member.pk)[:3]) == (PERSON["email"], "v1:")
    reloaded.save()
    assert raw("accounts_member", "email", member.pk)[:3] == "v2:"
    assert _statuses() == {1: DataKeyStatus.RETIRING, 2: DataKeyStatus.ACTIVE}


def test_a_key_is_not_retired_while_a_row_still_uses_it(member):
    stored = raw("accounts_member", "email", member.pk)
    set_raw(
        "accounts_member",
        "email",
        member.pk,
        stored[:-4] + "AAAA" if not stored.endswith("AAAA") else stored[:-4] + "BBBB",
    )

    result = keys_rotate(actor=SYSTEM, new_key=True)

    assert _statuses() == {1: DataKeyStatus.RETIRING, 2: DataKeyStatus.ACTIVE}
    assert result.still_in_use == {1: 1}
    assert result.failed == [
        f"accounts.Member.email row {member.pk}: the ciphertext does not authenticate under data key v1 "
        "(altered, truncated or moved from another column)"
    ]
    assert raw("accounts_member", "date_of_birth", member.pk).startswith("v2:")
    status = key_ring_status()
    assert (status.active_version, status.rows_per_version, status.rows_on_inactive_keys) == (2, {1: 1, 2: 1}, 1)

    set_raw("accounts_member", "email", member.pk, stored)  # repaired (e.g. from a backup)
    result = keys_rotate(actor=SYSTEM)
    assert (result.created_version, result.retired_versions, _statuses()[1]) == (None, [1], DataKeyStatus.RETIRED)
    assert Member.objects.get(pk=member.pk).email == PERSON["email"]


def test_key_ring_status_reports_versions_age_and_period(member, settings):
    status = key_ring_status()
    assert (status.active_version, status.rotation_period_days, status.is_rotation_due) == (1, 90, False)
    assert status.rows_per_field["accounts.Member.email"] == {1: 1}
    assert (status.rows_on_retired_keys, status.hybrid_values, status.unversioned_values) == (0, 1, 0)

    DataKey.objects.filter(version=1).update(
        activated_at=DataKey.objects.get(version=1).activated_at.replace(year=2000)
    )
    settings.DBSBM_KEY_ROTATION_DAYS = 30
    assert key_ring_status().is_rotation_due
    assert keys_rotate(actor=SYSTEM).created_version == 2  # due: the beat job creates the key itself


def test_keys_rotated_is_sent_with_the_outcome(member):
    received = []

    @receiver(keys_rotated, weak=False)
    def _listen(sender, **kwargs):
        received.append(kwargs)

    try:
        keys_rotate(actor=SYSTEM, new_key=True)
    finally:
        keys_rotated.disconnect(_listen)

    assert [(item["active_version"], item["reencrypted"], item["retired_versions"]) for item in received] == [
        (2, 2, [1])
    ]
    assert AuditEvent.objects.filter(action__in=["keyring.data_key_created", "keyring.keys_rotated"]).count() == 2


def test_the_audit_trail_verifies_after_its_addresses_are_re_encrypted(db):
    with transaction.atomic():
        for number in range(5):
            audit_record(
                actor=Actor(kind="user", identifier="1", label="sam", ip_address=f"198.51.100.{number}"),
                action="tests.thing_done",
                reason=f"event {number}",
            )
    assert audit_verify().is_intact
    before = list(AuditEvent.objects.order_by("pk").values_list("pk", "ip_address"))

    keys_rotate(actor=SYSTEM, new_key=True, batch_size=2)

    assert {raw("audit_auditevent", "ip_address", pk)[:3] for pk, _ in before} == {"v2:"}
    assert (
        list(AuditEvent.objects.filter(pk__in=[pk for pk, _ in before]).order_by("pk").values_list("pk", "ip_address"))
        == before
    )
    result = audit_verify()
    assert (result.is_intact, result.problem) == (True, "")


def test_the_rotation_flag_does_not_open_the_audit_trail_to_other_changes(db):
    with transaction.atomic():
        event = audit_record(
            actor=Actor(kind="user", identifier="1", label="sam", ip_address="198.51.100.9"), action="tests.thing_done"
        )
    for flag, assignment in (
        ("on", "reason = 'changed'"),
        ("on", "reason = 'changed', ip_address = 'v1:AAAA'"),
        ("off", "ip_address = ip_address"),  # without the flag not even the ciphertext may change
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL dbsbm.key_rotation = '{flag}'")
            cursor.execute(f"UPDATE audit_auditevent SET {assignment} WHERE id = %s", [event.pk])
