"""The evidence and review API's behaviour beyond authorization: size limit, tampering, a broken chain,
bad input (4xx with a message, nothing written), unknown ids."""

from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.actors import Actor
from apps.incidents.models import CustodyEvent, Evidence
from apps.incidents.services.evidence import evidence_add
from apps.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(make_key, client_with_key):
    _, secret = make_key(["incidents:read", "incidents:write"], name="responder")
    return client_with_key(secret)


@pytest.fixture
def evidence(declare):
    return evidence_add(
        incident=declare(), actor=Actor.system("test"), kind="file", title="log", content=b"original\n", method="x"
    )


def _base(evidence):
    return f"/api/v1/incidents/{evidence.incident_id}/evidence/{evidence.pk}"


def test_an_upload_over_the_limit_is_413_and_writes_nothing(reader, declare, settings):
    settings.INCIDENT_EVIDENCE_MAX_BYTES = 10
    incident = declare()
    upload = SimpleUploadedFile("big.bin", b"x" * 11)

    response = reader.post(f"/api/v1/incidents/{incident.pk}/evidence/", {"file": upload, "title": "big"})

    assert response.status_code == 413
    body = response.json()
    assert body["code"] == "evidence_too_large" and "at most 10 bytes" in body["message"]
    assert not Evidence.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [({"title": "no file"}, "file"), ({"file": "empty"}, "title"), ({"file": "empty", "title": "t"}, "file")],
)
def test_a_bad_upload_is_400_and_writes_nothing(reader, declare, data, field):
    incident = declare()
    if "file" in data:
        data = {**data, "file": SimpleUploadedFile("empty.txt", b"")}
    response = reader.post(f"/api/v1/incidents/{incident.pk}/evidence/", data)
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not Evidence.objects.exists()


def test_a_json_upload_is_refused_with_415(reader, declare):
    response = reader.post(f"/api/v1/incidents/{declare().pk}/evidence/", {"title": "x"}, format="json")
    assert (response.status_code, response.json()["code"]) == (415, "unsupported_media_type")


def test_download_records_the_given_purpose(reader, evidence):
    response = reader.get(f"{_base(evidence)}/download/", {"purpose": "legal hold review"})
    assert response.status_code == 200 and response.content == b"original\n"
    assert CustodyEvent.objects.filter(evidence=evidence).last().purpose == "legal hold review"


def test_a_tampered_file_answers_409_and_the_refusal_is_recorded(reader, evidence):
    Path(default_storage.path(evidence.file.name)).write_bytes(b"altered\n")

    response = reader.get(f"{_base(evidence)}/download/")

    assert response.status_code == 409
    assert response.json()["code"] == "evidence_tampered" and evidence.sha256 in response.json()["message"]
    assert CustodyEvent.objects.filter(evidence=evidence).last().action == "refused"
    assert Notification.objects.filter(kind="evidence_tampered", severity="critical").count() == 1
    custody = reader.get(f"{_base(evidence)}/custody/").json()
    assert custody["verified"] is True  # the chain is whole: the refusal is recorded in it
    assert [event["action"] for event in custody["events"]] == ["collected", "refused"]
    assert custody["events"][1]["previous_hash"] == custody["events"][0]["event_hash"]


def test_a_removed_custody_event_shows_as_not_verified(reader, evidence):
    reader.get(f"{_base(evidence)}/download/")
    reader.get(f"{_base(evidence)}/download/")
    CustodyEvent.objects.filter(evidence=evidence, sequence=2).delete()
    body = reader.get(f"{_base(evidence)}/custody/").json()
    assert body["verified"] is False and "event 2 is missing (the next one is #3)" in body["problems"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/incidents/999999/evidence/",
        "/api/v1/incidents/999999/review/",
        "/api/v1/incidents/{incident}/evidence/999999/download/",
        "/api/v1/incidents/{incident}/evidence/999999/custody/",
    ],
)
def test_unknown_ids_are_404(reader, evidence, path):
    response = reader.get(path.format(incident=evidence.incident_id))
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert CustodyEvent.objects.count() == 1


def test_evidence_of_another_incident_is_404(reader, evidence, declare):
    other = declare()
    response = reader.get(f"/api/v1/incidents/{other.pk}/evidence/{evidence.pk}/download/")
    assert response.status_code == 404


def test_the_review_of_an_open_incident_is_404_with_a_reason(reader, declare):
    incident = declare()
    response = reader.get(f"/api/v1/incidents/{incident.pk}/review/")
    assert response.status_code == 404 and "generated when the incident closes" in response.json()["message"]


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_the_evidence_list_and_custody_cost_the_same_queries_for_one_row_or_many(reader, evidence):
    listing, custody = f"/api/v1/incidents/{evidence.incident_id}/evidence/", f"{_base(evidence)}/custody/"
    _queries(reader, listing)  # the key's first use of the test: its cached lookups are filled
    one = (_queries(reader, listing), _queries(reader, custody))
    for number in range(4):
        evidence_add(
            incident=evidence.incident,
            actor=Actor.system("t"),
            kind="file",
            title=f"{number}",
            content=b"x",
            method="x",
        )
        reader.get(f"{_base(evidence)}/download/")
    assert (_queries(reader, listing), _queries(reader, custody)) == one
    assert one[0] <= 12 and one[1] <= 12
