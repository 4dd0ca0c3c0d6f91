"""Bad input gets a 4xx in the one error shape, a message a person can act on, and writes nothing."""

import base64
import json
from urllib.parse import quote

import pytest
from django.conf import settings

from apps.accounts.choices import ApiScope
from apps.audit.models import AuditEvent
from apps.tenants.models import Tenant
from tests.api.helpers import assert_error
from tests.api.snapshots import snapshot_diff, take_snapshot

pytestmark = pytest.mark.django_db

TENANTS = "/api/v1/tenants/"
HOME = "/api/v1/tenants/111111111111111111/"
HOME_KEYS = "/api/v1/tenants/111111111111111111/api-keys/"
VALID_TENANT = {"guild_id": "333333333333333333", "name": "New Guild"}


@pytest.fixture
def client(tenant, make_key, client_with_key):
    """A client holding a platform key with every scope (the most any caller can do)."""
    _, secret = make_key(ApiScope.values, name="platform")
    return client_with_key(secret)


@pytest.fixture
def unchanged(db):
    """Asserts, after the test body, that the database is as it was when the fixture ran."""
    snapshots = []

    def _start():
        snapshots.append(take_snapshot())

    yield _start
    assert snapshots, "call unchanged() once the setup is done"
    assert snapshot_diff(snapshots[0], take_snapshot()) == {}


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", TENANTS), ("PATCH", HOME), ("POST", HOME + "suspend/"), ("POST", HOME_KEYS), ("DELETE", HOME)],
)
@pytest.mark.parametrize(
    "raw",
    ['{"name": ', "{'name': 'single quotes'}", '{"name": NaN}', "\x00", "[" * 100_000 + "]" * 100_000],
    ids=["truncated", "single-quotes", "nan", "nul", "nested-100000-deep"],
)
def test_a_body_that_is_not_json_is_a_parse_error(client, unchanged, method, path, raw):
    unchanged()

    response = client.generic(method, path, raw, content_type="application/json")

    body = assert_error(response, 400, "malformed_request")
    assert body["message"].startswith("The request body could not be parsed")


def test_a_body_that_is_not_utf8_is_a_parse_error(client, unchanged):
    unchanged()

    response = client.generic("POST", TENANTS, b'{"name": "\xff\xfe"}', content_type="application/json")

    assert_error(response, 400, "malformed_request")


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", TENANTS), ("PATCH", HOME), ("POST", HOME + "suspend/"), ("POST", HOME_KEYS), ("DELETE", HOME)],
)
@pytest.mark.parametrize("payload", [[], [VALID_TENANT], "a string", 42, True, None], ids=repr)
def test_a_body_that_is_not_an_object_is_refused(client, unchanged, method, path, payload):
    unchanged()

    response = client.generic(method, path, json.dumps(payload), content_type="application/json")

    body = assert_error(response, 400, "invalid")
    expected = "No data provided" if payload is None else "The request body must be a JSON object."
    assert body["message"] == expected


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"guild_id": 333333333333333333}, "guild_id"),
        ({"guild_id": "0333"}, "guild_id"),
        ({"guild_id": "12345678901234567890123"}, "guild_id"),
        ({"guild_id": "33333333333333333a"}, "guild_id"),
        ({"guild_id": ""}, "guild_id"),
        ({"guild_id": None}, "guild_id"),
        ({"name": 42}, "name"),
        ({"name": True}, "name"),
        ({"name": ["a"]}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "nul \x00 byte"}, "name"),
        ({"unit_min": "abc"}, "unit_min"),
        ({"unit_min": "NaN"}, "unit_min"),
        ({"unit_min": "Infinity"}, "unit_min"),
        ({"unit_min": "0"}, "unit_min"),
        ({"unit_min": "-1"}, "unit_min"),
        ({"unit_min": "1234567890.00"}, "unit_min"),
        ({"unit_min": "0.001"}, "unit_min"),
        ({"unit_min": "5.00", "unit_max": "1.00"}, "unit_max"),
        ({"plan_code": "gold"}, "plan_code"),
        ({"plan_code": 1}, "plan_code"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": 3}, "timezone"),
        ({"settings": "not an object"}, "settings"),
        ({"settings": ["a"]}, "settings"),
        ({"settings": {"blob": "x" * 20_000}}, "settings"),
        ({"settings": {"nul": "\x00"}}, "settings"),
        ({"colour": "red"}, "colour"),
        ({"status": "suspended"}, "status"),
    ],
)
def test_tenant_create_refuses_invalid_fields(client, unchanged, changes, field):
    unchanged()

    response = client.post(TENANTS, {**VALID_TENANT, **changes}, format="json")

    body = assert_error(response, 400, "invalid", {field})
    assert field in body["message"]


@pytest.mark.parametrize(
    ("raw_number", "code", "fields"),
    [
        ("1e309", "invalid", {"unit_min"}),
        ("-1e309", "invalid", {"unit_min"}),
        ("0.1e-400", "invalid", {"unit_min"}),
        ("1" * 5000, "malformed_request", set()),  # past Python's limit on integer digits
    ],
    ids=["infinity", "minus-infinity", "underflow", "5000-digits"],
)
def test_tenant_create_refuses_numbers_json_allows_but_a_decimal_cannot_hold(
    client, unchanged, raw_number, code, fields
):
    unchanged()
    raw = f'{{"guild_id": "333333333333333333", "name": "New Guild", "unit_min": {raw_number}}}'

    response = client.generic("POST", TENANTS, raw, content_type="application/json")

    assert_error(response, 400, code, fields)


def _nested(depth: int) -> dict:
    value: dict = {"leaf": "x"}
    for _ in range(depth - 1):
        value = {"child": value}
    return value


@pytest.mark.parametrize("depth", [33, 600, 850])
@pytest.mark.parametrize(("method", "path"), [("POST", TENANTS), ("PATCH", HOME)])
def test_settings_nested_too_deeply_are_refused(client, unchanged, depth, method, path):
    unchanged()
    raw = json.dumps({**VALID_TENANT, "settings": _nested(depth)} if method == "POST" else {"settings": _nested(depth)})

    response = client.generic(method, path, raw, content_type="application/json")

    body = assert_error(response, 400, "invalid", {"settings"})
    assert body["fields"]["settings"] == ["Must not nest more than 32 levels deep."]


def test_settings_as_deep_as_allowed_are_stored(client, tenant):
    response = client.patch(HOME, {"settings": _nested(32)}, format="json")

    assert response.status_code == 200
    tenant.refresh_from_db()
    assert tenant.settings == _nested(32)


def test_tenant_create_names_every_missing_field(client, unchanged):
    unchanged()

    response = client.post(TENANTS, {}, format="json")

    assert_error(response, 400, "invalid", {"guild_id", "name"})


def test_tenant_create_refuses_a_registered_guild(client, tenant, unchanged):
    unchanged()

    response = client.post(TENANTS, {"guild_id": tenant.guild_id, "name": "Again"}, format="json")

    assert_error(response, 409, "tenant_exists")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": 42}, "name"),
        ({"name": None}, "name"),
        ({"unit_min": "abc"}, "unit_min"),
        ({"unit_max": "0.05"}, "unit_max"),  # below the stored unit_min of 0.10
        ({"unit_min": "20.00"}, "unit_max"),  # above the stored unit_max of 10.00
        ({"timezone": "Nowhere/Else"}, "timezone"),
        ({"plan_code": "gold"}, "plan_code"),
        ({"settings": 5}, "settings"),
        ({"settings": {"nul": "\x00"}}, "settings"),
        ({"reason": 5}, "reason"),
        ({"guild_id": "999999999999999999"}, "guild_id"),
        ({"status": "active"}, "status"),
        ({"suspended_at": None}, "suspended_at"),
    ],
)
def test_tenant_update_refuses_invalid_fields(client, unchanged, changes, field):
    unchanged()

    response = client.patch(HOME, changes, format="json")

    assert_error(response, 400, "invalid", {field})


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        (HOME + "suspend/", {}, "reason"),
        (HOME + "suspend/", {"reason": ""}, "reason"),
        (HOME + "suspend/", {"reason": "   "}, "reason"),
        (HOME + "suspend/", {"reason": 1}, "reason"),
        (HOME + "suspend/", {"reason": "ok", "force": True}, "force"),
        (HOME + "reactivate/", {"reason": ["a"]}, "reason"),
        (HOME, {}, "reason"),
        (HOME, {"reason": None}, "reason"),
    ],
)
def test_lifecycle_actions_refuse_invalid_bodies(client, unchanged, path, payload, field):
    unchanged()

    method = "DELETE" if path == HOME else "POST"
    response = client.generic(method, path, json.dumps(payload), content_type="application/json")

    assert_error(response, 400, "invalid", {field})


def test_reactivating_an_active_tenant_changes_nothing(client, unchanged):
    unchanged()

    response = client.post(HOME + "reactivate/", {}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "active"


@pytest.mark.parametrize(
    ("payload", "fields", "code"),
    [
        ({"name": "k", "scopes": "tenants:read"}, {"scopes"}, "invalid"),
        ({"name": "k", "scopes": {"tenants:read": True}}, {"scopes"}, "invalid"),
        ({"name": "k", "scopes": ["nope:read"]}, {"scopes"}, "invalid"),
        ({"name": "k", "scopes": [1]}, {"scopes"}, "invalid"),
        ({"name": "k", "scopes": []}, {"scopes"}, "invalid"),
        ({"name": "k", "scopes": ["bets:read"] * 21}, {"scopes"}, "invalid"),
        ({"name": "k"}, {"scopes"}, "invalid"),
        ({"scopes": ["bets:read"]}, {"name"}, "invalid"),
        ({"name": 5, "scopes": ["bets:read"]}, {"name"}, "invalid"),
        ({"name": "   ", "scopes": ["bets:read"]}, {"name"}, "invalid"),
        ({"name": "k", "scopes": ["bets:read"], "expires_at": "tomorrow"}, {"expires_at"}, "invalid"),
        ({"name": "k", "scopes": ["bets:read"], "expires_at": 1700000000}, {"expires_at"}, "invalid"),
        ({"name": "k", "scopes": ["bets:read"], "expires_at": "2000-01-01T00:00:00Z"}, {"expires_at"}, "invalid"),
        ({"name": "k", "scopes": ["bets:read"], "tenant": "222222222222222222"}, {"tenant"}, "invalid"),
        ({"name": "k", "scopes": ["bets:read"], "key": "dbsbm_00000000_chosen"}, {"key"}, "invalid"),
    ],
)
def test_api_key_create_refuses_invalid_fields(client, unchanged, payload, fields, code):
    unchanged()

    response = client.post(HOME_KEYS, payload, format="json")

    assert_error(response, 400, code, fields)


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", TENANTS), ("PATCH", HOME), ("POST", HOME + "suspend/"), ("POST", HOME_KEYS)],
)
@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("name=New+Guild&guild_id=333333333333333333", "application/x-www-form-urlencoded"),
        ('{"name": "New Guild"}', "text/plain"),
        ("<tenant/>", "application/xml"),
        ('--x\r\nContent-Disposition: form-data; name="name"\r\n\r\nA\r\n--x--\r\n', "multipart/form-data; boundary=x"),
    ],
    ids=["form", "text", "xml", "multipart"],
)
def test_a_body_that_is_not_json_is_an_unsupported_media_type(client, unchanged, method, path, body, content_type):
    unchanged()

    response = client.generic(method, path, body, content_type=content_type)

    assert_error(response, 415, "unsupported_media_type")


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", TENANTS), ("PATCH", HOME), ("POST", HOME + "suspend/"), ("POST", HOME_KEYS), ("DELETE", HOME)],
)
def test_a_body_over_the_upload_limit_is_too_large(client, unchanged, method, path):
    unchanged()
    padding = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    payload = json.dumps({**VALID_TENANT, "reason": "r", "settings": {"padding": padding}})

    response = client.generic(method, path, payload, content_type="application/json")

    assert_error(response, 413, "payload_too_large")


def test_a_body_just_under_the_upload_limit_is_parsed(client, unchanged):
    unchanged()
    payload = json.dumps({**VALID_TENANT, "colour": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE - 200)})

    response = client.generic("POST", TENANTS, payload, content_type="application/json")

    assert_error(response, 400, "invalid", {"colour"})


def test_a_huge_body_is_refused_before_the_key_is_checked(api_client, unchanged):
    unchanged()
    payload = json.dumps({"padding": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})

    response = api_client.generic("POST", TENANTS, payload, content_type="application/json")

    assert_error(response, 401, "not_authenticated")  # refused before the body is read


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/tenants/999999999999999999/"),
        ("PATCH", "/api/v1/tenants/999999999999999999/"),
        ("DELETE", "/api/v1/tenants/999999999999999999/"),
        ("POST", "/api/v1/tenants/999999999999999999/suspend/"),
        ("POST", "/api/v1/tenants/999999999999999999/reactivate/"),
        ("GET", "/api/v1/tenants/999999999999999999/api-keys/"),
        ("POST", "/api/v1/tenants/999999999999999999/api-keys/"),
        ("GET", "/api/v1/tenants/999999999999999999/audit-events/"),
        ("GET", "/api/v1/tenants/0/"),
        ("GET", "/api/v1/tenants/123456789012345678901234567890/"),
        ("PATCH", "/api/v1/tenants/123456789012345678901234567890/"),
        ("GET", "/api/v1/tenants/123456789012345678901234567890/api-keys/"),
        ("GET", "/api/v1/tenants/123456789012345678901234567890/audit-events/1/"),
        ("GET", "/api/v1/tenants/" + "9" * 500 + "/"),
    ],
)
def test_an_unknown_or_impossible_guild_is_not_found(client, unchanged, method, path):
    unchanged()

    response = client.generic(method, path, json.dumps({"name": "x", "reason": "x"}), content_type="application/json")

    assert_error(response, 404, "tenant_not_found")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/audit-events/999999999/",
        "/api/v1/audit-events/99999999999999999999999999/",
        "/api/v1/audit-events/-1/",
        "/api/v1/audit-events/abc/",
        "/api/v1/tenants/111111111111111111/audit-events/99999999999999999999999999/",
        "/api/v1/tenants/111111111111111111/audit-events/abc/",
        "/api/v1/tenants/111111111111111111/api-keys/dbsbm_00000000/",
    ],
)
def test_an_unknown_resource_id_is_not_found(client, unchanged, path):
    unchanged()

    method = "DELETE" if "/api-keys/" in path else "GET"
    response = client.generic(method, path)

    assert_error(response, 404, "not_found")


@pytest.mark.parametrize(
    "path",
    ["/api/", "/api/v1/", "/api/v2/tenants/", "/api/v1/nope/", "/api/v1/tenants/abc/", "/api/v1/tenants/1/nope/"],
)
def test_an_unknown_url_under_the_api_is_a_json_404(client, unchanged, path):
    unchanged()

    response = client.get(path)

    assert_error(response, 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", HOME),
        ("POST", HOME),
        ("DELETE", TENANTS),
        ("PUT", "/api/v1/plans/"),
        ("GET", HOME + "suspend/"),
        ("PATCH", "/api/v1/audit-events/"),
        ("DELETE", "/api/v1/tenants/111111111111111111/audit-events/"),
        ("PATCH", HOME_KEYS),
    ],
)
def test_an_unsupported_method_is_refused(client, unchanged, method, path):
    unchanged()

    response = client.generic(method, path, json.dumps({"name": "x"}), content_type="application/json")

    assert_error(response, 405, "method_not_allowed")


LISTS = [
    "/api/v1/tenants/",
    "/api/v1/audit-events/",
    "/api/v1/tenants/111111111111111111/api-keys/",
    "/api/v1/tenants/111111111111111111/audit-events/",
]


def _cursor(querystring: str) -> str:
    return quote(base64.b64encode(querystring.encode()).decode())


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(
    "cursor",
    ["garbage", "%C3%A9", _cursor("o=abc"), _cursor("o=-1"), _cursor("p=abc"), _cursor("p=1%00"), _cursor("p=1.5")],
    ids=["not-base64", "not-ascii", "offset-not-a-number", "negative-offset", "position-not-an-id", "nul", "float"],
)
def test_an_invalid_cursor_is_refused(client, unchanged, path, cursor):
    unchanged()

    response = client.get(f"{path}?cursor={cursor}")

    body = assert_error(response, 404, "not_found")
    assert body["message"] == "Invalid cursor"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("occurred_after=yesterday", "occurred_after"),
        ("occurred_before=2024-13-45", "occurred_before"),
        ("actor_kind=robot", "actor_kind"),
        ("action=" + "a" * 101, "action"),
        ("guild_id=" + "1" * 21, "guild_id"),
        ("action=%00", "action"),
    ],
)
def test_an_invalid_filter_is_refused(client, unchanged, query, field):
    unchanged()

    response = client.get(f"/api/v1/audit-events/?{query}")

    assert_error(response, 400, "invalid", {field})


@pytest.mark.parametrize("page_size", ["abc", "-5", "0", "99999999999999999999"])
def test_a_nonsense_page_size_falls_back_to_a_bounded_page(client, unchanged, page_size):
    unchanged()

    response = client.get(f"/api/v1/audit-events/?page_size={page_size}")

    assert response.status_code == 200
    assert len(response.json()["results"]) <= 200


@pytest.mark.parametrize("forwarded_for", ["not-an-ip", "999.1.1.1", "fe80::1%eth0", "\x00", "1.2.3.4, 5.6.7.8"])
def test_a_forged_forwarded_for_header_does_not_break_a_write(client, tenant, forwarded_for):
    response = client.patch(HOME, {"name": "Renamed"}, format="json", HTTP_X_FORWARDED_FOR=forwarded_for)

    assert response.status_code == 200
    tenant.refresh_from_db()
    assert tenant.name == "Renamed"
    assert AuditEvent.objects.filter(action="tenants.tenant_updated", guild_id=tenant.guild_id).count() == 1


def test_a_lone_surrogate_in_the_body_is_a_400_and_writes_nothing(make_key, client_with_key):
    _, secret = make_key(["tenants:admin"])
    body = '{"guild_id": "123456789012345678", "name": "bad \\ud800 name"}'

    response = client_with_key(secret).post("/api/v1/tenants/", body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "malformed_request"
    assert not Tenant.objects.exists()
