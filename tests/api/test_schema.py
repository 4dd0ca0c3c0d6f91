"""The OpenAPI schema is valid, served with its docs (no CDN), and documents auth on every operation."""

import re
from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

HTTP_METHODS = {"get", "put", "post", "patch", "delete", "head", "options", "trace"}


@pytest.fixture
def schema(api_client) -> dict:
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def _operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield f"{method.upper()} {path}", operation


def test_the_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target), stdout=StringIO())

    assert target.read_text().startswith("openapi: 3.0.3")


def test_the_schema_is_served_as_yaml(api_client):
    response = api_client.get("/api/schema/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    assert b"openapi: 3.0.3" in response.content


def test_the_schema_lists_every_foundation_endpoint(schema):
    assert {name for name, _ in _operations(schema)} >= {
        "GET /api/v1/plans/",
        "GET /api/v1/tenants/",
        "POST /api/v1/tenants/",
        "GET /api/v1/tenants/{guild_id}/",
        "PATCH /api/v1/tenants/{guild_id}/",
        "DELETE /api/v1/tenants/{guild_id}/",
        "POST /api/v1/tenants/{guild_id}/suspend/",
        "POST /api/v1/tenants/{guild_id}/reactivate/",
        "GET /api/v1/tenants/{guild_id}/api-keys/",
        "POST /api/v1/tenants/{guild_id}/api-keys/",
        "DELETE /api/v1/tenants/{guild_id}/api-keys/{prefix}/",
        "GET /api/v1/audit-events/",
        "GET /api/v1/audit-events/{id}/",
        "GET /api/v1/tenants/{guild_id}/audit-events/",
        "GET /api/v1/tenants/{guild_id}/audit-events/{id}/",
    }


def test_the_api_key_scheme_is_a_bearer_token(schema):
    assert schema["components"]["securitySchemes"]["ApiKey"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "dbsbm_<prefix>_<secret>",
        "description": "An API key created in the admin, by `manage.py create_api_key` or by the API.",
    }


def test_every_operation_uses_the_api_key_and_documents_its_errors(schema):
    error_ref = {"$ref": "#/components/schemas/Error"}
    for name, operation in _operations(schema):
        assert operation["security"] == [{"ApiKey": []}], name
        for status in ("401", "403", "404"):
            assert status in operation["responses"], f"{name} does not document {status}"
            assert operation["responses"][status]["content"]["application/json"]["schema"] == error_ref, name
        if name.split()[0] in {"POST", "PATCH", "DELETE"}:
            assert "400" in operation["responses"], f"{name} does not document 400"


def test_the_error_shape_is_documented(schema):
    error = schema["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"code", "message", "fields"}
    assert set(error["required"]) == {"code", "message", "fields"}


def test_the_docs_page_loads_everything_from_this_server(api_client):
    response = api_client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "/api/docs/?script=" in html  # the start-up script (naming /api/schema/) is a file: CSP
    assert not re.search(r"cdn|jsdelivr|unpkg|cloudflare|googleapis", html, re.IGNORECASE)
    references = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert references, "the docs page references no assets"
    assert all(reference.startswith("/") and not reference.startswith("//") for reference in references), references


def test_the_docs_assets_are_served(api_client, client):
    html = api_client.get("/api/docs/").content.decode()
    references = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)

    for reference in references:
        response = client.get(reference)
        assert response.status_code == 200, reference
