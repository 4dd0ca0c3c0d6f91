"""Per-tenant CORS origins (django-cors-headers' check_request_enabled signal): a preflight from an origin the
tenant lists is allowed on that tenant's paths only; origins are checked when the settings are saved."""

import json

import pytest

from apps.audit.models import AuditEvent
from apps.tenants.models import Tenant
from apps.tenants.origins import SETTING
from apps.tenants.services import tenant_update

pytestmark = pytest.mark.django_db

ORIGIN = "https://bets.example.com"


def _preflight(client, path: str, origin: str = ORIGIN):
    return client.options(
        path, HTTP_ORIGIN=origin, HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization",
    )  # fmt: skip


@pytest.fixture
def listed(tenant, actor):
    return tenant_update(tenant=tenant, actor=actor, settings={SETTING: [ORIGIN, "http://localhost:3000"]})


def test_a_preflight_from_a_listed_origin_is_allowed_on_the_tenants_paths(client, listed):
    response = _preflight(client, f"/api/v1/tenants/{listed.guild_id}/bets/")

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert "authorization" in response["Access-Control-Allow-Headers"]
    assert "GET" in response["Access-Control-Allow-Methods"]
    assert "access-control-allow-credentials" not in response
    local = _preflight(client, f"/api/v1/tenants/{listed.guild_id}/cappers/", origin="http://localhost:3000")
    assert local["Access-Control-Allow-Origin"] == "http://localhost:3000"


@pytest.mark.parametrize(
    ("path", "origin"),
    [
        ("/api/v1/tenants/222222222222222222/bets/", ORIGIN),  # another tenant's path: it lists nothing
        ("/api/v1/tenants/111111111111111111/bets/", "https://evil.example.com"),  # not listed
        ("/api/v1/tenants/111111111111111111/bets/", "https://bets.example.com:8443"),  # another port
        ("/api/v1/plans/", ORIGIN),  # not a tenant path
        ("/api/v1/tenants/999999999999999999/bets/", ORIGIN),  # no such tenant
    ],
)
def test_a_preflight_is_not_allowed_elsewhere(client, listed, other_tenant, path, origin):
    response = _preflight(client, path, origin=origin)
    assert "Access-Control-Allow-Origin" not in response


def test_an_actual_request_carries_the_header_and_exposes_the_api_headers(client_with_key, make_key, listed):
    _, secret = make_key(["bets:read"], tenant=listed)
    response = client_with_key(secret).get(f"/api/v1/tenants/{listed.guild_id}/bets/", HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert (
        "etag" in response["Access-Control-Expose-Headers"]
        and "deprecation" in response["Access-Control-Expose-Headers"]
    )


def test_graphql_preflight_follows_the_named_tenant(client, listed, other_tenant):
    assert _preflight(client, f"/api/v1/graphql/?guild_id={listed.guild_id}")["Access-Control-Allow-Origin"] == ORIGIN
    assert "Access-Control-Allow-Origin" not in _preflight(client, f"/api/v1/graphql/?guild_id={other_tenant.guild_id}")


@pytest.mark.parametrize(
    "origins",
    [
        ["https://bets.example.com/"],  # a trailing slash is a path
        ["https://bets.example.com/app"],
        ["ftp://bets.example.com"],
        ["bets.example.com"],
        ["*"],
        ["https://user@bets.example.com"],
        ["https://Bets.example.com"],
        ["https://bets.example.com:99999"],
        "https://bets.example.com",  # not a list
        [f"https://{index}.example.com" for index in range(21)],
    ],
)
def test_bad_origins_are_a_400_and_nothing_is_saved(tenant, make_key, client_with_key, origins):
    _, secret = make_key(["tenants:admin"], tenant=tenant)
    events = AuditEvent.objects.count()

    response = client_with_key(secret).patch(
        f"/api/v1/tenants/{tenant.guild_id}/",
        json.dumps({"settings": {SETTING: origins}}),
        content_type="application/json",
    )

    assert response.status_code == 400
    body = response.json()
    assert list(body["fields"]) == ["settings"] and body["fields"]["settings"][0]
    assert Tenant.objects.get(pk=tenant.pk).settings == {}
    assert AuditEvent.objects.count() == events


def test_good_origins_are_saved_through_the_api(tenant, make_key, client_with_key, client):
    _, secret = make_key(["tenants:admin"], tenant=tenant)
    response = client_with_key(secret).patch(
        f"/api/v1/tenants/{tenant.guild_id}/",
        json.dumps({"settings": {SETTING: [ORIGIN, "http://127.0.0.1:8080"]}}),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert Tenant.objects.get(pk=tenant.pk).settings[SETTING] == [ORIGIN, "http://127.0.0.1:8080"]
    # the tenant cache was bumped by the update: the next preflight sees the new list
    assert _preflight(client, f"/api/v1/tenants/{tenant.guild_id}/bets/")["Access-Control-Allow-Origin"] == ORIGIN


def test_a_304_of_the_fast_path_carries_the_same_cors_headers(client_with_key, make_key, listed):
    _, secret = make_key(["bets:read"], tenant=listed)
    client = client_with_key(secret)
    path = f"/api/v1/tenants/{listed.guild_id}/leaderboard/"
    full = client.get(path, HTTP_ORIGIN=ORIGIN)
    assert full.status_code == 200

    cached = client.get(path, HTTP_ORIGIN=ORIGIN, HTTP_IF_NONE_MATCH=full["ETag"])

    assert cached.status_code == 304
    assert cached["Access-Control-Allow-Origin"] == ORIGIN
    assert cached["Vary"] == full["Vary"]
