"""Each kind of health check against a real target: a local HTTP server, a TCP listener, the real database,
the real Redis, a heartbeat; and a dead port, a closed Redis, a stale heartbeat for "critical"."""

import socket
import time

import pytest
from werkzeug import Response

from apps.integration.registry.heartbeats import announce, this_process
from apps.integration.registry.runners import check_probe
from tests.integration.registry_helpers import a_check, dead_port

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("answer", "expected", "output"),
    [
        (200, "passing", "HTTP 200"),
        (429, "warning", "HTTP 429, expected 200"),
        (503, "critical", "HTTP 503, expected 200"),
    ],
)
def test_http_check_judges_the_status_of_a_real_server(httpserver, answer, expected, output):
    httpserver.expect_request("/healthz", method="GET").respond_with_response(Response("x", status=answer))
    check = a_check("http", {"url": httpserver.url_for("/healthz")})

    probe = check_probe(check)

    assert (probe.status, probe.output) == (expected, output)
    assert probe.duration_ms < 1000
    assert len(httpserver.log) == 1


def test_http_check_of_a_dead_port_is_critical():
    probe = check_probe(a_check("http", {"url": f"http://127.0.0.1:{dead_port()}/healthz"}))
    assert probe.status == "critical"
    assert probe.output.startswith("ConnectionRefusedError")


def test_a_guarded_check_goes_through_the_ssrf_guard(httpserver, settings):
    httpserver.expect_request("/").respond_with_data("ok")
    check = a_check("http", {"url": httpserver.url_for("/")}, is_guarded=True)
    assert check_probe(check).status == "passing"  # test settings allow loopback

    settings.WEBHOOK_ALLOWED_PRIVATE_NETWORKS = []
    probe = check_probe(check)

    assert probe.status == "critical"
    assert probe.output.startswith("refused by the SSRF guard: localhost resolves to 127.0.0.1")
    assert len(httpserver.log) == 1  # the refused probe sent nothing


def test_tcp_check_connects_to_a_listener_and_fails_on_a_dead_port():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        open_check = a_check("tcp", {"host": "127.0.0.1", "port": port})
        assert (check_probe(open_check).status, check_probe(open_check).output) == (
            "passing",
            f"connected to 127.0.0.1:{port}",
        )
    closed = check_probe(a_check("tcp", {"host": "127.0.0.1", "port": dead_port()}, instance_id="two"))
    assert closed.status == "critical"
    assert "ConnectionRefusedError" in closed.output


def test_sql_check_asks_the_real_database():
    probe = check_probe(a_check("sql", {"alias": "default"}))
    assert (probe.status, probe.output) == ("passing", "SELECT 1 answered")


def test_redis_check_pings_the_real_cache_and_fails_on_a_closed_port(settings):
    assert check_probe(a_check("redis", {"cache": "default"})).status == "passing"

    settings.REGISTRY_TEST_REDIS_URL = f"redis://127.0.0.1:{dead_port()}/0"
    probe = check_probe(a_check("redis", {"setting": "REGISTRY_TEST_REDIS_URL"}, instance_id="closed"))

    assert probe.status == "critical"
    assert probe.output.startswith("ConnectionError")
    assert "redis://" not in probe.output  # the URL (which may hold a password) is never shown


def test_ttl_check_passes_while_the_heartbeat_is_fresh():
    announced = announce(this_process(service="web", kind="web", instance_id="host:1"), now=time.time())
    check = a_check("ttl", {"key": announced.key, "ttl_seconds": 30})

    assert check_probe(check, now=announced.at + 29).status == "passing"
    stale = check_probe(check, now=announced.at + 31)
    assert (stale.status, stale.output) == ("critical", "last heartbeat 31 s ago (TTL 30 s)")
    missing = check_probe(a_check("ttl", {"key": "web/gone"}, instance_id="gone"))
    assert (missing.status, missing.output) == ("critical", "no heartbeat")


def test_a_slow_answer_is_a_warning(httpserver, settings):
    settings.REGISTRY_SLOW_CHECK_MS = 0
    httpserver.expect_request("/").respond_with_handler(lambda request: (time.sleep(0.01), Response("ok"))[1])
    probe = check_probe(a_check("http", {"url": httpserver.url_for("/")}))
    assert probe.status == "warning"
    assert probe.output.startswith("HTTP 200 (slow: ")
