"""One trusted client address (issue 11, item 5).

Audit events, security events (and so the per-address cap and the baselines that read them), the rate
limits and django-axes take the client address from `apps.core.actors.client_ip`, which believes
X-Forwarded-For only as far as DBSBM_TRUSTED_PROXIES proxies appended to it. X-Request-ID is taken from
the request only when a trusted proxy is configured.
"""

import pytest
from axes.helpers import get_client_ip_address
from django.test import RequestFactory

from apps.accounts.choices import ApiScope
from apps.audit.models import AuditEvent
from apps.core.actors import client_ip
from apps.security.choices import SecurityEventType
from apps.security.models import SecurityEvent
from dbsbm.settings.base import BASE_DIR

pytestmark = pytest.mark.django_db

HOME = "/api/v1/tenants/111111111111111111/"
EVENTS = "/api/v1/security/events/"


@pytest.fixture
def platform_client(tenant, make_key, client_with_key):
    _, secret = make_key(ApiScope.values, name="platform")
    return client_with_key(secret)


def _rename(client, name: str, **headers) -> AuditEvent:
    response = client.patch(HOME, {"name": name}, format="json", REMOTE_ADDR="198.51.100.20", **headers)
    assert response.status_code == 200, response.content
    return AuditEvent.objects.filter(action="tenants.tenant_updated").latest("id")


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (0, "", "10.0.0.5"),
        (0, "6.6.6.6", "10.0.0.5"),  # without a trusted proxy the header is the client's own words
        (1, "", "10.0.0.5"),  # no header: the peer itself
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # our one proxy appended the right-most entry
        (2, "6.6.6.6, 203.0.113.9, 10.1.1.1", "203.0.113.9"),
        (2, "203.0.113.9", "203.0.113.9"),  # fewer entries than proxies: the left-most a proxy wrote
        (1, "6.6.6.6, not-an-address", "10.0.0.5"),  # what a proxy appended is not an address: the peer
        (1, "6.6.6.6, [2001:db8::1]", "2001:db8::1"),
        (1, "6.6.6.6, 203.0.113.9:4711", "203.0.113.9"),
    ],
)
def test_the_client_address_is_the_one_the_trusted_proxies_appended(settings, proxies, forwarded_for, expected):
    settings.DBSBM_TRUSTED_PROXIES = proxies
    headers = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.5", **headers)

    assert client_ip(request) == expected
    assert get_client_ip_address(request) == expected  # django-axes locks out the same address


def test_a_client_cannot_choose_the_address_the_audit_trail_records(platform_client):
    event = _rename(platform_client, "Renamed", HTTP_X_FORWARDED_FOR="6.6.6.6")

    assert event.ip_address == "198.51.100.20"


def test_behind_one_trusted_proxy_the_audit_trail_records_the_address_it_appended(settings, platform_client):
    settings.DBSBM_TRUSTED_PROXIES = 1

    event = _rename(platform_client, "Renamed", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")

    assert event.ip_address == "203.0.113.9"


def test_rotating_forwarded_for_does_not_escape_the_security_event_cap(settings, api_client):
    settings.SECURITY_EVENT_CAP_PER_MINUTE = 3

    for number in range(6):
        api_client.get(EVENTS, HTTP_AUTHORIZATION="Bearer nope", HTTP_X_FORWARDED_FOR=f"198.51.100.{number}")

    events = SecurityEvent.objects.filter(event_type=SecurityEventType.API_KEY_INVALID)
    assert events.count() == 3
    assert set(events.values_list("ip_address", flat=True)) == {"127.0.0.1"}


def test_a_request_id_from_the_client_is_ignored_without_a_trusted_proxy(platform_client):
    event = _rename(platform_client, "Renamed", HTTP_X_REQUEST_ID="forged-request-0001")

    assert event.request_id != "forged-request-0001"
    assert len(event.request_id) == 32  # a fresh uuid4().hex, echoed to the client
    assert AuditEvent.objects.filter(request_id="forged-request-0001").count() == 0


def test_a_request_id_from_a_trusted_proxy_is_kept(settings, platform_client):
    settings.DBSBM_TRUSTED_PROXIES = 1

    response = platform_client.patch(HOME, {"name": "Renamed"}, format="json", HTTP_X_REQUEST_ID="proxy-request-0001")

    assert response.status_code == 200
    assert response["X-Request-ID"] == "proxy-request-0001"
    event = AuditEvent.objects.filter(action="tenants.tenant_updated").latest("id")
    assert event.request_id == "proxy-request-0001"


def test_without_a_trusted_proxy_the_response_carries_the_generated_request_id(platform_client):
    response = platform_client.get(HOME, HTTP_X_REQUEST_ID="forged-request-0001")

    assert response.status_code == 200
    assert response["X-Request-ID"] != "forged-request-0001"
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.parametrize("path", ["Procfile", "Makefile"])
def test_the_web_server_leaves_forwarded_headers_to_the_app(path):
    """uvicorn rewrites the peer address from X-Forwarded-For sent from 127.0.0.1 by default, which
    would let anyone on the host (or a local proxy's client) choose REMOTE_ADDR: client_ip decides."""
    text = (BASE_DIR / path).read_text()
    commands = [line for line in text.splitlines() if "uvicorn dbsbm.asgi:application" in line]

    assert commands and all("--no-proxy-headers" in command for command in commands)
