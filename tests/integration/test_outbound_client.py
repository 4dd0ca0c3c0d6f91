"""Every outbound request (apps/core/outbound/client.py) against a real local HTTP(S) server: the SSRF guard
after resolution, the connection pinned to the checked address (DNS rebinding), TLS checked for the name,
no redirects, time-outs, bounded answers, and `http_post` of the notification layer on top."""

import socket
import threading

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from apps.core.outbound import CircuitOpen, OutboundBlocked, OutboundError, outbound_request
from apps.notifications.channels import DeliveryError, http_post
from apps.notifications.choices import DeliveryStatus, EventKind
from apps.notifications.models import Delivery, WebhookEndpoint
from apps.notifications.services import Recipients, notification_send
from tests.integration.outbound_helpers import closed_port, local_server, loopback, self_signed_localhost

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MEMORY_CONTEXT = {"snapshot_id": 7, "process": "web-1", "level": "high", "previous_level": "medium", "rss_mib": 900}


@pytest.fixture(scope="module")
def server():
    server = local_server()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _fresh_server(server):
    server.clear()
    yield


@pytest.fixture
def rebinding_dns(monkeypatch):
    """A resolver for `feed.rebind.test` that answers 127.0.0.1 the first time and the cloud metadata
    address afterwards (what a DNS-rebinding attacker's name server does); other names resolve as usual."""
    real_getaddrinfo = socket.getaddrinfo
    lookups: list[str] = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host == "feed.rebind.test":
            lookups.append(host)
            answer = "127.0.0.1" if len(lookups) == 1 else "169.254.169.254"
            return real_getaddrinfo(answer, port, *args, **kwargs)
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return lookups


def test_a_request_by_name_reaches_the_server_with_the_name_as_host(server):
    server.expect_request("/ping").respond_with_data("pong")

    response = outbound_request("GET", f"http://localhost:{server.port}/ping")

    assert (response.status, response.body) == (200, b"pong")
    assert loopback(response.address)
    request, _ = server.log[0]
    assert request.headers["Host"] == f"localhost:{server.port}"


def test_the_connection_goes_to_the_checked_address_and_the_name_is_resolved_once(server, rebinding_dns):
    server.expect_request("/games").respond_with_json({"games": []})

    response = outbound_request("GET", f"http://feed.rebind.test:{server.port}/games")

    assert (response.status, response.address) == (200, "127.0.0.1")
    assert rebinding_dns == ["feed.rebind.test"]  # checked once, connected to what was checked
    assert server.log[0][0].headers["Host"] == f"feed.rebind.test:{server.port}"


def test_a_name_that_resolves_to_a_forbidden_address_now_is_refused_before_any_connection(server, rebinding_dns):
    rebinding_dns.append("earlier lookup")  # the attacker's name server now answers 169.254.169.254

    with pytest.raises(OutboundBlocked, match="169.254.169.254"):
        outbound_request("GET", f"http://feed.rebind.test:{server.port}/games")
    assert server.log == []


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]", "[::1]", "169.254.169.254", "10.0.0.5", "[fe80::1]", "0.0.0.0"],  # noqa: S104 - a target, not a bind
)
def test_private_loopback_and_link_local_targets_are_refused_when_no_network_is_allowed(server, settings, host):
    settings.WEBHOOK_ALLOWED_PRIVATE_NETWORKS = []

    with pytest.raises(OutboundBlocked, match="private, loopback or link-local"):
        outbound_request("GET", f"http://{host}:{server.port}/")
    assert server.log == []


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/meta-data/", "http://[::ffff:169.254.169.254]/"])
def test_the_metadata_address_is_refused_even_where_loopback_is_allowed(url):
    with pytest.raises(OutboundBlocked, match="169.254.169.254"):
        outbound_request("GET", url)


def test_a_redirect_is_returned_not_followed(server):
    server.expect_request("/moved").respond_with_response(
        Response(status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
    )

    response = outbound_request("GET", server.url_for("/moved"))

    assert (response.status, response.headers["location"]) == (302, "http://169.254.169.254/latest/meta-data/")
    assert len(server.log) == 1


def test_a_receiver_that_hangs_fails_by_read_timeout(server):
    release = threading.Event()
    server.expect_request("/slow").respond_with_handler(lambda request: release.wait(5) and Response("late"))
    try:
        with pytest.raises(OutboundError) as failure:
            outbound_request("GET", server.url_for("/slow"), timeout=0.3)
    finally:
        release.set()
    assert failure.value.kind == "ReadTimeout"


def test_an_answer_over_the_size_limit_is_a_failure(server, settings):
    settings.OUTBOUND_MAX_RESPONSE_BYTES = 1000
    server.expect_request("/big").respond_with_data(b"x" * 1001)

    with pytest.raises(OutboundError, match="larger than 1000 bytes"):
        outbound_request("GET", server.url_for("/big"))


def test_https_is_verified_for_the_host_name_while_connecting_to_the_checked_address(tmp_path, settings):
    context, certificate = self_signed_localhost(tmp_path)
    settings.OUTBOUND_CA_BUNDLE = str(certificate)
    tls_server = local_server(ssl_context=context)
    try:
        tls_server.expect_request("/secure").respond_with_data("ok")
        response = outbound_request("GET", f"https://localhost:{tls_server.port}/secure")
        assert (response.status, response.body, response.address) == (200, b"ok", "127.0.0.1")

        with pytest.raises(OutboundError) as failure:  # the certificate names localhost, not 127.0.0.1
            outbound_request("GET", f"https://127.0.0.1:{tls_server.port}/secure")
        assert failure.value.kind == "SSLError"
        assert len(tls_server.log) == 1
    finally:
        tls_server.stop()


def test_http_post_posts_through_the_guard_and_returns_the_status(server):
    server.expect_request("/hook", method="POST", data=b'{"a":1}').respond_with_data("", status=204)

    status = http_post(url=server.url_for("/hook"), body=b'{"a":1}', headers={"content-type": "application/json"})

    assert status == 204
    assert server.log[0][0].headers["User-Agent"] == "DBSBM-Notifications/1"


def test_http_post_to_a_refused_target_raises_a_delivery_error_without_a_call(server, settings):
    settings.WEBHOOK_ALLOWED_PRIVATE_NETWORKS = []

    with pytest.raises(DeliveryError, match="Refused by the SSRF guard"):
        http_post(url=server.url_for("/hook"), body=b"{}", headers={})
    assert server.log == []


def test_http_post_keeps_its_wording_for_an_unreachable_receiver():
    with pytest.raises(DeliveryError, match="^ConnectionError: unreachable$"):
        http_post(url=f"http://127.0.0.1:{closed_port()}/", body=b"{}", headers={})


def test_http_post_fails_at_once_when_the_upstreams_circuit_is_open(server, settings):
    settings.OUTBOUND_BREAKER_FAILURE_THRESHOLD = 2
    down = f"http://127.0.0.1:{closed_port()}/hook"
    for _ in range(2):
        with pytest.raises(DeliveryError, match="unreachable"):
            http_post(url=down, body=b"{}", headers={}, upstream="tenant-hooks")

    # same upstream name, a live URL: refused before any connection
    with pytest.raises(DeliveryError, match="^circuit open for tenant-hooks$"):
        http_post(url=server.url_for("/hook"), body=b"{}", headers={}, upstream="tenant-hooks")
    assert server.log == []
    with pytest.raises(CircuitOpen):
        outbound_request("POST", server.url_for("/hook"), upstream="tenant-hooks")


def test_an_ipv6_literal_is_called_with_its_bracketed_host():
    six = HTTPServer(host="::1", port=0)
    six.start()
    try:
        six.expect_request("/six").respond_with_data("six")
        response = outbound_request("GET", f"http://[::1]:{six.port}/six")
    finally:
        six.stop()
    assert (response.status, response.address) == (200, "::1")
    assert six.log[0][0].headers["Host"] == f"[::1]:{six.port}"


def test_a_refused_connection_moves_on_to_the_next_checked_address_only(server, monkeypatch):
    real_getaddrinfo = socket.getaddrinfo

    def two_addresses(host, port, *args, **kwargs):
        if host == "two.mirror.test":  # 127.0.0.2 refuses (the server listens on 127.0.0.1 only)
            return real_getaddrinfo("127.0.0.2", port, *args, **kwargs) + real_getaddrinfo(
                "127.0.0.1", port, *args, **kwargs
            )
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", two_addresses)
    server.expect_request("/games").respond_with_json({"games": []})

    assert outbound_request("GET", f"http://two.mirror.test:{server.port}/games").address == "127.0.0.1"


@pytest.mark.django_db
def test_each_webhook_endpoint_has_its_own_circuit_even_on_a_shared_host(
    server, settings, django_capture_on_commit_callbacks
):
    settings.OUTBOUND_BREAKER_FAILURE_THRESHOLD = 1
    server.expect_request("/broken").respond_with_data("", status=500)
    server.expect_request("/fine").respond_with_data("", status=204)
    kinds = [EventKind.MEMORY_THRESHOLD]
    broken = WebhookEndpoint.objects.create(
        name="broken", url=server.url_for("/broken"), secret=SECRET, event_kinds=kinds
    )
    WebhookEndpoint.objects.create(name="fine", url=server.url_for("/fine"), secret=SECRET, event_kinds=kinds)

    for key in ("memory:7:high", "memory:8:high"):
        with django_capture_on_commit_callbacks(execute=True):
            notification_send(kind=EventKind.MEMORY_THRESHOLD, key=key, context=MEMORY_CONTEXT, recipients=Recipients())

    delivered = Delivery.objects.filter(channel="webhook", webhook__name="fine", status=DeliveryStatus.DELIVERED)
    assert delivered.count() == 2  # the broken endpoint's open circuit holds nothing back
    last_broken = Delivery.objects.filter(webhook=broken).order_by("pk").values_list("last_error", flat=True)
    assert list(last_broken) == ["HTTP 500", f"circuit open for webhook:{broken.pk}"]
    assert [request.path for request, _ in server.log].count("/broken") == 1
