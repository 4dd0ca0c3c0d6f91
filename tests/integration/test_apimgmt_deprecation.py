"""Deprecation (RFC 9745) and Sunset (RFC 8594) headers on endpoints marked for removal, and `deprecated` in
the OpenAPI schema: the privacy API's staff-only paths (403 for every key since 2026-12-07) are marked."""

from datetime import date

import pytest
from django.test import override_settings
from django.urls import path
from rest_framework.response import Response

from apps.core.api.deprecation import Deprecation
from apps.core.api.viewsets import ApiViewSet

pytestmark = pytest.mark.django_db

DEPRECATION = "@1796601600"  # 2026-12-07T00:00:00Z
SUNSET = "Wed, 30 Jun 2027 00:00:00 GMT"


@pytest.fixture
def platform_client(make_key, client_with_key):
    _, secret = make_key(["privacy:read", "privacy:write"])
    return client_with_key(secret)


@pytest.mark.parametrize(
    ("method", "action"), [("post", "verify"), ("post", "complete"), ("post", "reject"), ("get", "export")]
)
def test_the_staff_only_privacy_paths_carry_deprecation_and_sunset(platform_client, method, action):
    response = getattr(platform_client, method)(f"/api/v1/privacy/requests/1/{action}/")

    assert response.status_code == 403 and response.json()["code"] == "staff_only"
    assert response["Deprecation"] == DEPRECATION
    assert response["Sunset"] == SUNSET
    assert response["Link"] == '</api/docs/>; rel="deprecation"; type="text/html"'


def test_the_other_paths_of_the_same_view_carry_none(platform_client):
    response = platform_client.get("/api/v1/privacy/requests/")
    assert response.status_code == 200
    assert "Deprecation" not in response and "Sunset" not in response


def test_the_schema_marks_exactly_the_deprecated_operations(platform_client, client):
    schema = client.get("/api/schema/?format=json").json()
    deprecated = {
        (method, route)
        for route, operations in schema["paths"].items()
        for method, operation in operations.items()
        if operation.get("deprecated")
    }
    assert deprecated == {
        ("post", "/api/v1/privacy/requests/{id}/verify/"),
        ("post", "/api/v1/privacy/requests/{id}/complete/"),
        ("post", "/api/v1/privacy/requests/{id}/reject/"),
        ("get", "/api/v1/privacy/requests/{id}/export/"),
    }


class _WholeViewDeprecated(ApiViewSet):
    """A test-only view deprecated as a whole, without a sunset or link."""

    deprecation = Deprecation(date=date(2027, 1, 1))
    required_scopes = {"list": "tenants:read"}

    def list(self, request):
        return Response({"ok": True})


urlpatterns = [path("api/v1/old/", _WholeViewDeprecated.as_view({"get": "list"}))]


@override_settings(ROOT_URLCONF=__name__)
def test_a_view_deprecated_as_a_whole_gets_only_the_deprecation_header(make_key, client_with_key):
    _, secret = make_key(["tenants:read"])
    response = client_with_key(secret).get("/api/v1/old/")
    assert response.status_code == 200
    assert response["Deprecation"] == "@1798761600"  # 2027-01-01T00:00:00Z
    assert "Sunset" not in response and "Link" not in response
