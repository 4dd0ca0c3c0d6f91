"""Who may call the escalation endpoints: none, malformed, unknown, revoked and expired credentials get 401;
a tenant key and a platform key without the scope get 403; a platform key with the scope does exactly its
job. A denied call changes nothing (the API snapshot plus every incident and notification row)."""

import json
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.urls import get_resolver
from django.utils import timezone

from apps.accounts.choices import ApiScope
from apps.accounts.key_policy import TENANT_SCOPES
from apps.accounts.models import ApiKey
from apps.accounts.services import api_key_revoke
from apps.incidents.api import urls as escalation_urls
from apps.incidents.models import (
    EscalationLevel,
    EscalationPolicy,
    Incident,
    IncidentNotification,
    TimelineEntry,
)
from apps.notifications.models import Delivery, Notification, WebhookEndpoint
from tests.api.snapshots import snapshot_diff, take_snapshot

pytestmark = pytest.mark.django_db

UNKNOWN_SECRET = "dbsbm_0123abcd_" + "x" * 43
NEW_POLICY = {
    "name": "night shift",
    "levels": [
        {"level": 1, "ack_timeout_seconds": 120, "targets": [{"kind": "email", "address": "night@dbsbm.test"}]},
        {"level": 2, "ack_timeout_seconds": 300, "targets": [{"kind": "webhook", "url": "https://hooks.dbsbm.test/p"}]},
    ],
}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # formatted with incident_id
    scope: str
    success: int
    body: dict[str, Any] | None = None


ENDPOINTS = {
    "incident_acknowledge": Endpoint("POST", "/api/v1/incidents/{incident_id}/acknowledge/", "incidents:write", 200),
    "incident_notifications": Endpoint("GET", "/api/v1/incidents/{incident_id}/notifications/", "incidents:read", 200),
    "escalation_policies_list": Endpoint("GET", "/api/v1/incidents/escalation-policies/", "incidents:read", 200),
    "escalation_policies_create": Endpoint(
        "POST", "/api/v1/incidents/escalation-policies/", "incidents:write", 201, NEW_POLICY
    ),
}
CREDENTIALS = ("none", "malformed", "unknown", "revoked", "expired", "tenant", "platform_without_scope", "platform")
OUTCOMES = ("401", "401", "401", "401", "401", "403", "403", "ok")
CASES = [
    pytest.param(name, credential, outcome, id=f"{name}-{credential}")
    for name in ENDPOINTS
    for credential, outcome in zip(CREDENTIALS, OUTCOMES, strict=True)
]
_ROWS = (EscalationPolicy, EscalationLevel, Incident, IncidentNotification, TimelineEntry, Notification, Delivery)


def _snapshot() -> dict:
    snapshot = take_snapshot()
    for model in (*_ROWS, WebhookEndpoint):
        snapshot[model._meta.label] = {row["id"]: row for row in model.objects.values()}
    return snapshot


def test_the_matrix_names_every_escalation_route():
    routes = {
        str(pattern.pattern)
        for pattern in escalation_urls.urlpatterns
        if re.search(r"escalation-policies/\$|acknowledge/\$|notifications/\$", str(pattern.pattern))
    }
    named = {
        "^incidents/escalation-policies/$",
        "^incidents/(?P<pk>[0-9]{1,18})/acknowledge/$",
        "^incidents/(?P<pk>[0-9]{1,18})/notifications/$",
    }
    assert routes == named
    assert {(endpoint.path.split("{incident_id}/")[-1]) for endpoint in ENDPOINTS.values()} >= {
        "acknowledge/",
        "notifications/",
    }
    assert get_resolver().resolve("/api/v1/incidents/escalation-policies/").url_name == "escalation-policy-list"


@pytest.fixture
def world(make_policy, open_incident):
    policy = make_policy(
        [{"level": 1, "ack_timeout_seconds": 60, "targets": [{"kind": "email", "address": "oncall@dbsbm.test"}]}]
    )
    return open_incident(policy=policy)


def _authorize(credential: str, *, scope: str, make_key, actor, tenant) -> tuple[str | None, ApiKey | None]:
    if credential == "none":
        return None, None
    if credential == "malformed":
        return "Token something", None
    if credential == "unknown":
        return f"Bearer {UNKNOWN_SECRET}", None
    if credential == "tenant":
        api_key, secret = make_key(TENANT_SCOPES, tenant=tenant, name=credential)
    elif credential == "platform_without_scope":
        api_key, secret = make_key([name for name in ApiScope.values if name != scope], name=credential)
    else:
        api_key, secret = make_key(ApiScope.values, name=credential)
    if credential == "revoked":
        api_key_revoke(api_key=api_key, actor=actor, reason="test")
    if credential == "expired":
        ApiKey.objects.filter(pk=api_key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    return f"Bearer {secret}", api_key


@pytest.mark.parametrize(("endpoint_name", "credential", "outcome"), CASES)
def test_escalation_authorization(api_client, make_key, actor, tenant, world, endpoint_name, credential, outcome):
    endpoint = ENDPOINTS[endpoint_name]
    authorization, api_key = _authorize(credential, scope=endpoint.scope, make_key=make_key, actor=actor, tenant=tenant)
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    path = endpoint.path.format(incident_id=world.pk)
    before = _snapshot()

    body = json.dumps(endpoint.body) if endpoint.body is not None else None
    if body is None:
        response = api_client.generic(endpoint.method, path, **headers)
    else:
        response = api_client.generic(endpoint.method, path, body, content_type="application/json", **headers)

    diff = snapshot_diff(before, _snapshot())
    if outcome != "ok":
        assert response.status_code == int(outcome), response.content
        expected = "not_authenticated" if credential == "none" else "authentication_failed"
        assert response.json()["code"] == (expected if outcome == "401" else "permission_denied")
        assert diff == {}, "a denied call changed the database"
        return
    assert response.status_code == endpoint.success, response.content
    EFFECTS[endpoint_name](world=world, response=response, diff=diff, api_key=api_key)


def _one_event(diff, action: str, api_key: ApiKey) -> dict:
    (event,) = diff["audit_event"]["added"].values()
    assert (event["action"], event["actor_kind"], event["actor_identifier"]) == (action, "api_key", str(api_key.pk))
    return event


def _acknowledge(*, world, response, diff, api_key):
    assert response.json()["acknowledged_at"] is not None and response.json()["next_escalation_at"] is None
    # the shared snapshot (tests/api/snapshots.py) and this file's own rows both see the incident and its line
    assert set(diff) == {
        "audit_event",
        "incident",
        "incident_timeline",
        "incidents.Incident",
        "incidents.TimelineEntry",
    }
    changed = diff["incidents.Incident"]["changed"][world.pk]
    assert {"acknowledged_at", "escalation_token", "next_escalation_at", "updated_at"} == set(changed)
    assert _one_event(diff, "incidents.acknowledged", api_key)["target_id"] == str(world.pk)
    (line,) = diff["incidents.TimelineEntry"]["added"].values()
    assert line["kind"] == "acknowledged"


def _notifications(*, response, diff, **_):
    assert [(row["level"], row["channel"], row["target"], row["status"]) for row in response.json()] == [
        (1, "email", "oncall@dbsbm.test", "sent")
    ]
    assert diff == {}


def _policies_list(*, response, diff, **_):
    (policy,) = response.json()["results"]
    assert [level["targets"] for level in policy["levels"]] == [[{"kind": "email", "address": "oncall@dbsbm.test"}]]
    assert diff == {}


def _policies_create(*, response, diff, api_key, **_):
    assert response.json()["name"] == "night shift"
    assert [level["level"] for level in response.json()["levels"]] == [1, 2]
    assert set(diff) == {
        "audit_event",
        "incidents.EscalationPolicy",
        "incidents.EscalationLevel",
        "notifications.WebhookEndpoint",
    }
    assert len(diff["incidents.EscalationLevel"]["added"]) == 2
    (endpoint,) = diff["notifications.WebhookEndpoint"]["added"].values()
    assert (endpoint["url"], endpoint["subscribed"]) == ("https://hooks.dbsbm.test/p", False)
    _one_event(diff, "incidents.escalation_policy_created", api_key)


EFFECTS = {
    "incident_acknowledge": _acknowledge,
    "incident_notifications": _notifications,
    "escalation_policies_list": _policies_list,
    "escalation_policies_create": _policies_create,
}
