"""Access and portability exports: built from the classification registry, complete, checked on download.

The bot's key files the request; staff verify it and someone else completes it; the zip is downloaded
from the portal by staff with a verified second factor (tests/privacy/dsr_data.py: Desk)."""

import csv
import hashlib
import io
import json
import shutil
import zipfile

import pytest
from django.db import connection
from django.db.models import Q

from apps.audit.models import AuditEvent
from apps.core.personal_data import personal_models
from apps.keyring.services import keys_rotate
from apps.privacy.models import DataExport, DataSubjectRequest
from apps.privacy.services.exports import export_columns, export_storage
from tests.privacy.dsr_data import PERSON_ID, PROFILE

pytestmark = pytest.mark.django_db


URL = "/api/v1/privacy/requests/"
NO_ROWS = Q(pk__in=[])  # the subject filter of models that never hold a member's rows (staff, keys, axes)


def _completed_export(desk, guild_id: str, kind: str = "access") -> dict:
    dsr_id = desk.file(guild_id, kind)["id"]
    desk.verify(dsr_id, method="discord_oauth")
    return desk.complete(dsr_id)


def _zip(desk, dsr: dict) -> tuple[zipfile.ZipFile, bytes, object]:
    response = desk.download(dsr["id"])
    assert response.status_code == 200, response
    content = response.content
    return zipfile.ZipFile(io.BytesIO(content)), content, response


def _refusal(response) -> str:
    """The message a refused portal download leaves for the page it redirects to."""
    assert response.status_code == 302
    return " ".join(str(message) for message in response.wsgi_request._messages)


def test_the_person_has_rows_in_every_model_that_can_hold_a_members_data(person):
    """The premise of the completeness test: if a new declared model has no rows here, add them to `person`."""
    missing = [
        entry.model_label
        for entry in personal_models()
        if entry.subject_q(person.member) != NO_ROWS and not entry.rows_about(person.member).exists()
    ]
    # the request is made by the test below; every other model must be filled by the fixture
    assert missing == ["privacy.DataSubjectRequest"], "give `person` rows in: " + ", ".join(missing)


def test_the_export_contains_every_personal_field_the_registry_declares(person, desk, tenant):
    dsr = _completed_export(desk, tenant.guild_id)
    archive, _, _ = _zip(desk, dsr)
    manifest = json.loads(archive.read("manifest.json"))

    for entry in personal_models():
        rows_about = entry.rows_about(person.member)
        if entry.subject_q(person.member) != NO_ROWS:
            assert rows_about.exists(), entry.model_label
        data = json.loads(archive.read(f"{entry.model_label}.json"))
        assert data["model"] == entry.model_label
        assert set(entry.fields) <= set(data["fields"]), entry.model_label
        assert sorted(row["id"] if "id" in row else next(iter(row.values())) for row in data["rows"]) == sorted(
            rows_about.values_list("pk", flat=True)
        ), entry.model_label
        header = next(csv.reader(io.StringIO(archive.read(f"{entry.model_label}.csv").decode())))
        assert header == export_columns(entry) == data["fields"]
    assert {item["name"] for item in manifest["files"]} == set(archive.namelist()) - {"manifest.json"}
    for item in manifest["files"]:
        assert hashlib.sha256(archive.read(item["name"])).hexdigest() == item["sha256"], item["name"]


def test_the_export_holds_the_persons_actual_values(person, desk, tenant):
    dsr = _completed_export(desk, tenant.guild_id, kind="portability")
    archive, _, _ = _zip(desk, dsr)

    member_rows = json.loads(archive.read("accounts.Member.json"))["rows"]
    bets = json.loads(archive.read("betting.Bet.json"))["rows"]
    ledger = json.loads(archive.read("betting.LedgerEntry.json"))["rows"]
    consents = json.loads(archive.read("privacy.ConsentRecord.json"))["rows"]

    assert member_rows == [
        {
            "id": person.member.pk,
            "discord_user_id": PERSON_ID,
            "username": "janeb",
            "display_name": PROFILE["display_name"],
            "email": PROFILE["email"],
            "email_index": person.member.email_index,
            "date_of_birth": "1990-04-17",
            "country": "GB",
            "notes": PROFILE["notes"],
        }
    ]
    assert sorted(row["id"] for row in bets) == sorted(bet.pk for bet in person.bets)
    assert len(ledger) == 2 and {row["units"] for row in ledger} == {"1.8182", "-2.0000"}
    assert [row["action"] for row in consents] == ["granted", "granted", "withdrawn"]
    assert "other" not in archive.read("betting.Capper.json").decode()  # another capper's profile is not in it


def test_the_download_is_for_staff_in_the_portal_only_audited_and_checks_the_hash(
    person, desk, tenant, make_key, client_with_key
):
    dsr = _completed_export(desk, tenant.guild_id)
    export = DataExport.objects.get(request_id=dsr["id"])
    _, content, response = _zip(desk, dsr)

    filing_key = desk.client.get(f"{URL}{dsr['id']}/export/")
    other = client_with_key(make_key(["privacy:read", "privacy:write"])[1]).get(f"{URL}{dsr['id']}/export/")
    reader_without_scope = client_with_key(make_key(["members:read"])[1]).get(f"{URL}{dsr['id']}/export/")

    assert (
        hashlib.sha256(content).hexdigest() == export.sha256 == response["X-Content-SHA256"] == dsr["export"]["sha256"]
    )
    assert response["Content-Type"] == "application/zip"
    for refused in (filing_key, other, reader_without_scope):
        assert refused.status_code == 403 and refused.json()["code"] == "staff_only"
    assert DataExport.objects.get(pk=export.pk).downloaded_count == 1
    downloaded = AuditEvent.objects.get(action="privacy.export_downloaded", target_id=str(export.pk))
    assert (downloaded.actor_kind, downloaded.actor_label) == ("user", "cat")
    assert PERSON_ID not in json.dumps(export.manifest)  # the database row names no one


def test_a_tampered_export_file_is_refused(person, desk, tenant):
    dsr = _completed_export(desk, tenant.guild_id)
    export = DataExport.objects.get(request_id=dsr["id"])
    path = export_storage().path(export.file_name)
    with open(path, "ab") as handle:
        handle.write(b"tampered")

    response = desk.download(dsr["id"])

    assert "no longer matches its SHA-256" in _refusal(response)
    assert DataExport.objects.get(pk=export.pk).downloaded_count == 0


def test_an_erasure_request_has_no_export(person, desk, tenant):
    created = desk.file(tenant.guild_id, "erasure")

    response = desk.download(created["id"])

    assert "This request has no export" in _refusal(response)
    assert DataSubjectRequest.objects.get(pk=created["id"]).exports.count() == 0


def test_the_stored_export_file_is_sealed_and_its_key_encrypted_by_the_key_ring(person, desk, tenant):
    dsr = _completed_export(desk, tenant.guild_id)
    export = DataExport.objects.get(request_id=dsr["id"])
    with open(export_storage().path(export.file_name), "rb") as handle:
        stored = handle.read()
    with connection.cursor() as cursor:
        cursor.execute("SELECT file_key FROM privacy_dataexport WHERE id = %s", [export.pk])
        (stored_key,) = cursor.fetchone()

    assert not stored.startswith(b"PK\x03\x04")  # not a zip: nothing readable without the key
    for value in (PERSON_ID, PROFILE["email"], PROFILE["display_name"], "jane"):
        assert value.encode() not in stored
    assert stored_key.startswith("v1:") and export.file_key not in stored_key
    _, content, _ = _zip(desk, dsr)
    assert hashlib.sha256(content).hexdigest() == export.sha256


def test_key_rotation_moves_the_file_key_and_retires_the_old_key_without_touching_the_file(person, desk, tenant, actor):
    dsr = _completed_export(desk, tenant.guild_id)
    export = DataExport.objects.get(request_id=dsr["id"])
    path = export_storage().path(export.file_name)
    before = hashlib.sha256(open(path, "rb").read()).hexdigest()  # noqa: SIM115

    result = keys_rotate(actor=actor, new_key=True)

    assert 1 in result.retired_versions and not result.failed
    with connection.cursor() as cursor:
        cursor.execute("SELECT file_key FROM privacy_dataexport WHERE id = %s", [export.pk])
        assert cursor.fetchone()[0].startswith(f"v{result.active_version}:")
    assert hashlib.sha256(open(path, "rb").read()).hexdigest() == before  # noqa: SIM115
    _, content, _ = _zip(desk, dsr)
    assert hashlib.sha256(content).hexdigest() == export.sha256


def test_a_file_swapped_in_from_another_export_does_not_open(person, desk, tenant):
    first = DataExport.objects.get(request_id=_completed_export(desk, tenant.guild_id)["id"])
    second_dsr = _completed_export(desk, tenant.guild_id, kind="portability")
    second = DataExport.objects.get(request_id=second_dsr["id"])
    shutil.copyfile(export_storage().path(first.file_name), export_storage().path(second.file_name))

    response = desk.download(second_dsr["id"])

    assert "no longer matches its SHA-256" in _refusal(response)
    assert DataExport.objects.get(pk=second.pk).downloaded_count == 0


def test_an_export_written_before_sealing_still_downloads(person, desk, tenant):
    dsr = _completed_export(desk, tenant.guild_id)
    export = DataExport.objects.get(request_id=dsr["id"])
    _, content, _ = _zip(desk, dsr)
    with open(export_storage().path(export.file_name), "wb") as handle:
        handle.write(content)  # what a file of the earlier format holds: the zip in clear
    DataExport.objects.filter(pk=export.pk).update(file_key="")

    _, again, _ = _zip(desk, dsr)

    assert again == content
