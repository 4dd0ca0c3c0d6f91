"""Erasure end to end on PostgreSQL: numbers stay, identity goes, the certificate proves it, holds block it.

The bot's key files the request; one officer verifies the requester, another completes the erasure
(four eyes; tests/privacy/dsr_data.py: Desk)."""

import hashlib
import json

import pytest
from django.db import connection

from apps.accounts.models import Member
from apps.audit.models import AuditEvent
from apps.audit.verification import audit_verify
from apps.betting.models import Bet, BetLeg, Capper, LedgerEntry
from apps.betting.selectors import capper_record, leaderboard
from apps.core.errors import ApplicationError, ConflictError
from apps.core.personal_data import personal_models
from apps.privacy.choices import RequestStatus
from apps.privacy.models import DataExport, DataSubjectRequest, DeletionCertificate, Pseudonym
from apps.privacy.services.erasure import APPEND_ONLY_MODELS, certificate_hash, certificate_verify
from apps.privacy.services.exports import export_download, export_storage
from apps.privacy.services.retention import legal_hold_place, legal_hold_release
from apps.security.models import Baseline
from tests.privacy.dsr_data import PERSON_ID, PROFILE

pytestmark = pytest.mark.django_db


URL = "/api/v1/privacy/requests/"


def _verified(desk, guild_id: str, kind: str = "erasure") -> int:
    dsr_id = desk.file(guild_id, kind)["id"]
    desk.verify(dsr_id, method="id_document")
    return dsr_id


def _numbers(capper_id: int) -> dict:
    return {
        "bets": list(Bet.objects.filter(capper_id=capper_id).order_by("pk").values_list(
            "pk", "stake_units", "status", "net_units", "american_odds", "placed_at")),
        "ledger": list(LedgerEntry.objects.filter(capper_id=capper_id).order_by("pk").values_list(
            "pk", "units", "staked_units", "result", "record_sign")),
    }  # fmt: skip


def test_erasure_keeps_the_numbers_and_removes_the_identity(person, desk, tenant, actor):
    before = _numbers(person.capper.pk)
    record_before = capper_record(tenant=tenant, capper=person.capper, period_label="lifetime")
    dsr_id = _verified(desk, tenant.guild_id)

    body = desk.complete(dsr_id, resolution="erased")

    assert body["status"] == "completed"
    token = body["certificate"]["member_pseudonym"]
    assert token.startswith("psn_")
    # the numbers: every bet and ledger entry as it was, and the records computed from them
    assert _numbers(person.capper.pk) == before
    assert capper_record(tenant=tenant, capper=Capper.objects.get(pk=person.capper.pk), period_label="lifetime") == (
        record_before
    )
    # the identity
    member = Member.objects.get(pk=person.member.pk)
    suffix = token.removeprefix("psn_")
    assert member.username == f"erased-{suffix}"
    assert member.discord_user_id == f"e{suffix}"[:20]
    profile = (member.display_name, member.email, member.email_index, member.date_of_birth, member.country)
    assert (*profile, member.notes) == (token, "", None, None, "", "")
    capper = Capper.objects.get(pk=person.capper.pk)
    assert (capper.display_name, capper.avatar_url) == (token, "")
    assert set(BetLeg.objects.filter(bet__capper=capper).values_list("description", flat=True)) == {""}
    assert Baseline.objects.get(subject_kind="capper", subject_id=str(capper.pk)).profile == {}
    assert set(Pseudonym.objects.filter(token=token).values_list("value_index", flat=True)) == {None}
    assert [row["display_name"] for row in leaderboard(tenant=tenant, period_label="lifetime")].count(token) == 1
    # the other capper of the same fraud case and guild is untouched
    assert Capper.objects.get(pk=person.other_capper.pk).display_name == "other"
    # nothing in the database still says who it was (outside the append-only audit trail)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM accounts_member WHERE discord_user_id = %s", [PERSON_ID])
        assert cursor.fetchone()[0] == 0
    assert not Capper.objects.filter(display_name__icontains="jane").exists()


def test_the_certificate_says_what_was_erased_and_its_hash_verifies(person, desk, tenant):
    dsr_id = _verified(desk, tenant.guild_id)
    desk.complete(dsr_id)

    certificate = DeletionCertificate.objects.get(request_id=dsr_id)

    assert certificate_verify(certificate)
    canonical = json.dumps(certificate.content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert hashlib.sha256(canonical.encode()).hexdigest() == certificate.content_sha256
    assert certificate.erased_by == desk.completer.label
    assert certificate.erased["accounts.Member"] == {
        "rows": 1,
        "fields": {
            "country": "emptied",
            "date_of_birth": "nulled",
            "discord_user_id": "pseudonymized",
            "display_name": "pseudonymized",
            "email": "emptied",
            "email_index": "nulled",
            "notes": "emptied",
            "username": "pseudonymized",
        },
    }
    assert certificate.erased["betting.Bet"]["rows"] == 3
    assert certificate.erased["betting.Bet"]["fields"]["stake_units"] == "kept (declared)"
    assert certificate.retained["betting.LedgerEntry"]["rows"] == 2
    assert certificate.retained["audit.AuditEvent"]["rows"] > 0
    # tampering with what it says breaks the hash
    certificate.content["erased"]["accounts.Member"]["rows"] = 0
    assert certificate_hash(certificate.content) != certificate.content_sha256
    assert not certificate_verify(certificate)


def test_the_audit_trail_keeps_a_pseudonym_and_its_chain_still_verifies(person, desk, tenant):
    dsr_id = _verified(desk, tenant.guild_id)
    events_before = AuditEvent.objects.count()

    desk.complete(dsr_id)

    erased = AuditEvent.objects.get(action="privacy.member_erased")
    token = DeletionCertificate.objects.get(request_id=dsr_id).member_pseudonym
    assert erased.changes["member_pseudonym"] == token
    assert PERSON_ID not in json.dumps(erased.changes) + erased.target_label + erased.reason
    assert "janeb" not in erased.target_label
    assert AuditEvent.objects.count() > events_before  # appended, never rewritten
    assert audit_verify().is_intact
    # events written before the erasure name the member by row id only: nothing in them to erase
    for event in AuditEvent.objects.filter(target_type__in=["accounts.member", "betting.capper"]):
        assert PERSON_ID not in event.target_label + json.dumps(event.changes) + event.reason
        assert "janeb" not in event.target_label + json.dumps(event.changes)


def test_earlier_export_files_are_deleted_by_the_erasure(person, desk, tenant, django_capture_on_commit_callbacks):
    access_id = _verified(desk, tenant.guild_id, kind="access")
    desk.complete(access_id)
    export = DataExport.objects.get(request_id=access_id)
    assert export_storage().exists(export.file_name)
    dsr_id = _verified(desk, tenant.guild_id)

    with django_capture_on_commit_callbacks(execute=True):
        desk.complete(dsr_id)

    assert not export_storage().exists(export.file_name)
    with pytest.raises(ApplicationError) as missing:
        export_download(export=DataExport.objects.get(pk=export.pk), actor=desk.completer)
    assert missing.value.code == "export_missing"


@pytest.mark.parametrize("scope", ["member", "tenant"])
def test_an_active_legal_hold_blocks_the_erasure_with_a_409_and_changes_nothing(person, desk, tenant, actor, scope):
    hold = legal_hold_place(actor=actor, reason="court order 12/2026", **{scope: getattr(person, scope, tenant)})
    dsr_id = _verified(desk, tenant.guild_id)
    audit_before = AuditEvent.objects.count()

    with pytest.raises(ConflictError) as refused:
        desk.complete(dsr_id)

    assert refused.value.status_code == 409 and refused.value.code == "legal_hold"
    assert "legal hold" in refused.value.message and f"hold #{hold.pk} on the {scope}" in refused.value.message
    member = Member.objects.get(pk=person.member.pk)
    assert (member.discord_user_id, member.username, member.email) == (PERSON_ID, "janeb", PROFILE["email"])
    assert DataSubjectRequest.objects.get(pk=dsr_id).status == RequestStatus.IN_PROGRESS
    assert not DeletionCertificate.objects.exists()
    assert AuditEvent.objects.count() == audit_before

    legal_hold_release(hold=hold, actor=actor, reason="case closed")
    assert desk.complete(dsr_id)["status"] == "completed"


def test_an_erased_member_is_unknown_afterwards(person, desk, tenant):
    dsr_id = _verified(desk, tenant.guild_id)
    desk.complete(dsr_id)

    again = desk.client.post(
        URL, {"guild_id": tenant.guild_id, "discord_user_id": PERSON_ID, "kind": "erasure"}, format="json"
    )

    assert again.status_code == 404 and again.json()["code"] == "member_not_found"


def test_no_row_outside_the_append_only_records_still_holds_the_persons_values(person, desk, tenant):
    dsr_id = _verified(desk, tenant.guild_id)
    desk.complete(dsr_id)
    tables = sorted(
        {entry.model._meta.db_table for entry in personal_models() if entry.model_label not in APPEND_ONLY_MODELS}
    )

    # every row of every table the registry names, as PostgreSQL stores it (ciphertexts stay ciphertexts)
    stored = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT row_to_json(t)::text FROM {table} t")  # noqa: S608 - table names from the registry
            stored.extend(row[0] for row in cursor.fetchall())
    # and what the application reads back (decrypted)
    readable = json.dumps(
        [list(entry.rows_about(Member.objects.get(pk=person.member.pk)).values()) for entry in personal_models()
         if entry.model_label not in APPEND_ONLY_MODELS],
        default=str,
    )  # fmt: skip

    for value in ("janeb", "Jane the Capper", PROFILE["display_name"], "jane.bettor", PERSON_ID, "jane.png"):
        assert not [row for row in stored if value in row], value
        assert value not in readable, value
