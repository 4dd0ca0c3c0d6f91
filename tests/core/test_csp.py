"""Content-Security-Policy on every HTML page, scripts from this server only (issue 11, item 9)."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from dbsbm.settings.base import BASE_DIR

pytestmark = pytest.mark.django_db

HTML_PAGES = ["/admin/login/", "/portal/", "/api/docs/"]
TEMPLATE_DIRECTORIES = [Path(BASE_DIR) / "templates", *sorted((Path(BASE_DIR) / "apps").glob("*/templates"))]
# a <script> without src that is not a data block (json_script writes type="application/json")
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)


def _directives(header: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def _html(client, path: str):
    response = client.get(path, follow=True)
    assert response.status_code == 200, path
    assert response["Content-Type"].startswith("text/html")
    return response


@pytest.mark.parametrize("path", HTML_PAGES)
def test_every_html_page_allows_scripts_from_this_server_only(client, path):
    response = _html(client, path)

    directives = _directives(response["Content-Security-Policy"])
    # the admin's theme (django-unfold) runs on Alpine.js, which compiles its x- attributes: 'unsafe-eval' there only
    assert directives["script-src"] == (["'self'", "'unsafe-eval'"] if path.startswith("/admin/") else ["'self'"])
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["default-src"] == ["'self'"]


@pytest.mark.parametrize("path", HTML_PAGES)
def test_no_page_has_an_inline_script_or_event_handler(client, path):
    html = _html(client, path).content.decode()

    assert INLINE_SCRIPT.findall(html) == []
    assert EVENT_HANDLER.findall(html) == []


def test_the_swagger_ui_start_up_script_is_a_file_of_this_server(client):
    html = _html(client, "/api/docs/").content.decode()
    (script_url,) = [url for url in re.findall(r'<script src="([^"]+)"', html) if "script" in url.split("?")[-1]]

    script = client.get(script_url.replace("&amp;", "&"))

    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.content.decode()
    assert "SwaggerUIBundle" in script.content.decode()


def _templates():
    return sorted(path for directory in TEMPLATE_DIRECTORIES for path in directory.rglob("*.html"))


@pytest.mark.parametrize("path", _templates(), ids=lambda path: str(path.relative_to(BASE_DIR)))
def test_no_template_has_an_inline_script_or_event_handler(path):
    text = path.read_text()

    assert INLINE_SCRIPT.findall(text) == []
    assert EVENT_HANDLER.findall(text) == []


def test_a_json_answer_carries_no_policy(api_client):
    response = api_client.get("/api/v1/plans/")

    assert response["Content-Type"] == "application/json"
    assert "Content-Security-Policy" not in response


def test_the_policy_is_the_configured_one():
    assert settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["script-src"] == ["'self'"]
