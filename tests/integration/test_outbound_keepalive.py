"""Kept-alive outbound connections (apps/core/outbound/keepalive.py) against real local HTTP/1.1 servers: a
connection is reused only by a request whose own resolution and SSRF check gave the same address; a name that
now resolves elsewhere gets a new connection to the new checked address, or is refused before any is used."""

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from apps.core.outbound import OutboundBlocked, OutboundError, outbound_request
from apps.core.outbound.keepalive import kept_connections


class KeepAliveServer:
    """An HTTP/1.1 server on one loopback address; `connections` lists the client port of each request (one
    port per TCP connection). GET /big answers `big_bytes` bytes."""

    def __init__(self, address: str, port: int = 0) -> None:
        self.connections: list[int] = []
        self.big_bytes = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                server.connections.append(self.client_address[1])
                body = b"x" * server.big_bytes if self.path == "/big" else b"ok"
                self.send_response(200)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.http = ThreadingHTTPServer((address, port), Handler)
        self.http.daemon_threads = True
        self.port = self.http.server_address[1]
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture(scope="module")
def servers():
    """The same port on 127.0.0.1 and 127.0.0.2: one URL, two addresses a name may resolve to."""
    first = KeepAliveServer("127.0.0.1")
    second = KeepAliveServer("127.0.0.2", first.port)
    yield first, second
    first.close()
    second.close()


@pytest.fixture(autouse=True)
def _fresh(servers):
    kept_connections.clear()
    for server in servers:
        server.connections.clear()
    yield
    kept_connections.clear()


@pytest.fixture
def dns(monkeypatch):
    """`hooks.keepalive.test` resolves to `dns.answer` (the test changes it); `dns.lookups` counts the lookups."""
    real_getaddrinfo = socket.getaddrinfo

    class Resolver:
        answer = "127.0.0.1"
        lookups = 0

    def getaddrinfo(host, port, *args, **kwargs):
        if host == "hooks.keepalive.test":
            Resolver.lookups += 1
            return real_getaddrinfo(Resolver.answer, port, *args, **kwargs)
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return Resolver


def test_requests_to_the_same_checked_address_share_one_connection_and_each_is_checked(servers, dns):
    first, _ = servers
    url = f"http://hooks.keepalive.test:{first.port}/"

    answers = [outbound_request("GET", url) for _ in range(3)]

    assert [answer.address for answer in answers] == ["127.0.0.1"] * 3
    assert len(first.connections) == 3 and len(set(first.connections)) == 1  # one TCP connection, reused
    assert dns.lookups == 3  # resolved and checked on every request all the same


def test_a_name_that_now_resolves_elsewhere_gets_a_new_connection_to_the_new_checked_address(servers, dns):
    first, second = servers
    url = f"http://hooks.keepalive.test:{first.port}/"
    outbound_request("GET", url)

    dns.answer = "127.0.0.2"
    answer = outbound_request("GET", url)

    assert answer.address == "127.0.0.2"
    assert (len(first.connections), len(second.connections)) == (1, 1)  # not sent over the kept connection
    assert {key[3] for key in kept_connections.pool_keys()} == {"127.0.0.1", "127.0.0.2"}


def test_a_name_that_now_resolves_to_a_forbidden_address_is_refused_although_a_connection_is_kept(servers, dns):
    first, _ = servers
    url = f"http://hooks.keepalive.test:{first.port}/"
    outbound_request("GET", url)

    dns.answer = "169.254.169.254"
    with pytest.raises(OutboundBlocked, match="169.254.169.254"):
        outbound_request("GET", url)

    assert len(first.connections) == 1  # the kept connection to the earlier address carried nothing


def test_an_over_long_answer_closes_its_connection(servers, dns, settings):
    first, _ = servers
    settings.OUTBOUND_MAX_RESPONSE_BYTES = 1000
    first.big_bytes = 5000
    url = f"http://hooks.keepalive.test:{first.port}"

    with pytest.raises(OutboundError, match="larger than 1000 bytes"):
        outbound_request("GET", f"{url}/big")
    answer = outbound_request("GET", f"{url}/")

    assert answer.body == b"ok"  # not the rest of the long answer
    assert len(set(first.connections)) == 2  # a new connection after the over-long answer


def test_without_keepalive_each_request_opens_its_own_connection(servers, dns, settings):
    first, _ = servers
    settings.OUTBOUND_KEEPALIVE_PER_ADDRESS = 0

    for _ in range(2):
        outbound_request("GET", f"http://hooks.keepalive.test:{first.port}/")

    assert len(set(first.connections)) == 2
    assert kept_connections.pool_keys() == []


def test_the_least_recently_used_address_is_closed_beyond_the_bound(servers, dns, settings):
    first, second = servers
    settings.OUTBOUND_KEEPALIVE_ADDRESSES = 1
    outbound_request("GET", f"http://127.0.0.1:{first.port}/")
    outbound_request("GET", f"http://127.0.0.2:{second.port}/")
    outbound_request("GET", f"http://127.0.0.1:{first.port}/")

    assert len(set(first.connections)) == 2  # its pool was closed when 127.0.0.2 took the only place
    assert [key[3] for key in kept_connections.pool_keys()] == ["127.0.0.1"]
