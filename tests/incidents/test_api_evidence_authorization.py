"""Who may call the evidence and review endpoints (issue #13 item 8): platform keys only, `incidents:read`
to read, `incidents:write` to upload. A denied call answers in the error shape and changes nothing; an
allowed call does exactly its job. (The incidents API's full matrix lives with the core endpoints; these
rows cover the evidence and review routes.)"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import get_resolver
from django.utils import timezone

from apps.accounts.choices import ApiScope
from apps.accounts.key_policy import TENANT_SCOPES
from apps.accounts.models import ApiKey
from apps.accounts.services import api_key_revoke
from apps.core.actors import Actor
from apps.incidents.models import CustodyEvent, Evidence, Incident, Review, TimelineEntry
from apps.incidents.services.evidence import evidence_add
from tests.api.snapshots import snapshot_diff, take_snapshot

pytestmark = pytest.mark.django_db

ALL_SCOPES = tuple(ApiScope.values)
UNKNOWN_SECRET = "dbsbm_0123abcd_" + "x" * 43
INCIDENT_MODELS = {
    "incident": Incident,
    "evidence": Evidence,
    "custody_event": CustodyEvent,
    "timeline_entry": TimelineEntry,
    "review": Review,
}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # formatted with incident_id and evidence_id
    scope: str
    success: int
    upload: bool = False


ENDPOINTS = {
    "evidence_list": Endpoint("GET", "/api/v1/incidents/{incident_id}/evidence/", "incidents:read", 200),
    "evidence_upload": Endpoint(
        "POST", "/api/v1/incidents/{incident_id}/evidence/", "incidents:write", 201, upload=True
    ),
    "evidence_download": Endpoint(
        "GET", "/api/v1/incidents/{incident_id}/evidence/{evidence_id}/download/", "incidents:read", 200
    ),
    "evidence_custody": Endpoint(
        "GET", "/api/v1/incidents/{incident_id}/evidence/{evidence_id}/custody/", "incidents:read", 200
    ),
    "review": Endpoint("GET", "/api/v1/incidents/{incident_id}/review/", "incidents:read", 200),
}
CREDENTIALS = ("none", "malformed", "unknown", "revoked", "expired", "tenant", "platform_without_scope", "platform")
OK, U, F = "ok", "401", "403"
ROW = (U, U, U, U, U, F, F, OK)
MATRIX = dict.fromkeys(ENDPOINTS, ROW)
CASES = [
    pytest.param(endpoint, credential, outcome, id=f"{endpoint}-{credential}")
    for endpoint, row in MATRIX.items()
    for credential, outcome in zip(CREDENTIALS, row, strict=True)
]


def _snapshot():
    snapshot = take_snapshot()
    for label, model in INCIDENT_MODELS.items():
        snapshot[label] = {row["id"]: row for row in model.objects.values()}
    return snapshot


@pytest.fixture
def world(declare, tenant):
    incident = declare(guild_id=tenant.guild_id, status="closed", closed_at=timezone.now())
    Review.objects.create(incident=incident, generated_at=timezone.now(), durations={"time_to_close": 600})
    evidence = evidence_add(
        incident=incident, actor=Actor.system("test"), kind="file", title="log", content=b"line\n", method="upload"
    )
    return incident, evidence


def _authorize(credential, scope, make_key, tenant, actor):
    if credential == "none":
        return None
    if credential == "malformed":
        return "Token something"
    if credential == "unknown":
        return f"Bearer {UNKNOWN_SECRET}"
    if credential == "tenant":
        _, secret = make_key(TENANT_SCOPES, tenant=tenant, name=credential)
        return f"Bearer {secret}"
    scopes = [name for name in ALL_SCOPES if name != scope] if credential == "platform_without_scope" else ALL_SCOPES
    api_key, secret = make_key(scopes, name=credential)
    if credential == "revoked":
        api_key_revoke(api_key=api_key, actor=actor, reason="test")
    if credential == "expired":
        ApiKey.objects.filter(pk=api_key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    return f"Bearer {secret}"


def _call(api_client, endpoint, world, authorization):
    incident, evidence = world
    path = endpoint.path.format(incident_id=incident.pk, evidence_id=evidence.pk)
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    if endpoint.upload:
        upload = SimpleUploadedFile("capture.pcap", b"\x00\x01packets", content_type="application/vnd.tcpdump.pcap")
        return api_client.post(path, {"file": upload, "title": "capture"}, format="multipart", **headers)
    return api_client.generic(endpoint.method, path, **headers)


def test_the_matrix_covers_every_evidence_and_review_route():
    routes = {
        str(pattern.pattern)
        for incidents in get_resolver().url_patterns
        if str(incidents.pattern) == "api/v1/"
        for included in incidents.url_patterns
        for pattern in getattr(included, "url_patterns", [included])
        if str(pattern.pattern).startswith("incidents/")
        and ("evidence" in str(pattern.pattern) or "review" in str(pattern.pattern))
    }
    normalized = {route.replace("<int:incident_id>", "{incident_id}").replace("<int:evidence_id>", "{evidence_id}")
                  for route in routes}  # fmt: skip
    assert normalized == {endpoint.path.removeprefix("/api/v1/") for endpoint in ENDPOINTS.values()}
    assert set(MATRIX) == set(ENDPOINTS)


@pytest.mark.parametrize(("endpoint_name", "credential", "outcome"), CASES)
def test_authorization_matrix(api_client, make_key, tenant, actor, world, endpoint_name, credential, outcome):
    endpoint = ENDPOINTS[endpoint_name]
    authorization = _authorize(credential, endpoint.scope, make_key, tenant, actor)
    before = _snapshot()

    response = _call(api_client, endpoint, world, authorization)

    diff = snapshot_diff(before, _snapshot())
    if outcome == OK:
        assert response.status_code == endpoint.success, response.content
        EFFECTS[endpoint_name](world=world, response=response, diff=diff)
        return
    body = response.json()
    assert set(body) == {"code", "message", "fields"} and body["message"]
    if outcome == U:
        assert response.status_code == 401
        assert body["code"] == ("not_authenticated" if credential == "none" else "authentication_failed")
    else:
        assert (response.status_code, body["code"]) == (403, "permission_denied")
    assert diff == {}, "a denied call changed the database"


def _listed(*, world, response, diff):
    assert [row["id"] for row in response.json()] == [world[1].pk]
    assert diff == {}


def _uploaded(*, world, response, diff):
    evidence = Evidence.objects.get(pk=response.json()["id"])
    assert (evidence.title, evidence.original_name, evidence.collection_method) == (
        "capture",
        "capture.pcap",
        "upload through the API",
    )
    assert set(diff["evidence"]["added"]) == {evidence.pk}
    assert [row["action"] for row in diff["custody_event"]["added"].values()] == ["collected"]
    [audit] = diff["audit_event"]["added"].values()
    assert (audit["action"], audit["actor_kind"]) == ("incidents.evidence_added", "api_key")
    assert len(diff["timeline_entry"]["added"]) == 1


def _downloaded(*, world, response, diff):
    assert response.content == b"line\n"
    assert response["X-Content-SHA256"] == world[1].sha256
    [event] = diff["custody_event"]["added"].values()
    assert (event["action"], event["purpose"], event["hash_verified"]) == ("downloaded", "api download", True)
    assert diff["evidence"]["changed"][world[1].pk]["custody_head_hash"][1] == event["event_hash"]
    [audit] = diff["audit_event"]["added"].values()
    assert audit["action"] == "incidents.evidence_accessed"


def _custody(*, world, response, diff):
    body = response.json()
    assert body["verified"] is True and [event["action"] for event in body["events"]] == ["collected"]
    assert diff == {}


def _review(*, world, response, diff):
    assert response.json()["durations"] == {"time_to_close": 600}
    assert diff == {}


EFFECTS = {
    "evidence_list": _listed,
    "evidence_upload": _uploaded,
    "evidence_download": _downloaded,
    "evidence_custody": _custody,
    "review": _review,
}
