"""The circuit breaker per upstream (apps/core/outbound/breaker.py): its state lives in Redis, so two breaker
objects with their own connections (two processes) see one circuit; without Redis each falls back to its own."""

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from apps.core.outbound import CircuitOpen, OutboundError, outbound_request
from apps.core.outbound.breaker import CLOSED, HALF_OPEN, OPEN, SharedCircuitBreaker
from apps.core.outbound.store import SharedStore
from tests.integration.outbound_helpers import FakeClock, closed_port, local_server


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
def clock():
    return FakeClock()


def _process(clock, **options) -> SharedCircuitBreaker:
    """A breaker as another process holds it: its own Redis connection pool, the same Redis database."""
    from django.conf import settings  # noqa: PLC0415 - read at call time (tests change settings)

    pool = redis.ConnectionPool.from_url(settings.REDIS_URL, socket_timeout=0.25, socket_connect_timeout=0.25)
    store = SharedStore(lambda: redis.Redis(connection_pool=pool))
    return SharedCircuitBreaker(store=store, clock=clock, failure_threshold=3, cool_off_seconds=30, **options)


def _dead_redis_process(clock) -> SharedCircuitBreaker:
    """A process whose Redis is down (no retries: as django-redis' pooled connections are configured)."""
    client = redis.Redis(
        port=closed_port(), socket_timeout=0.1, socket_connect_timeout=0.1, retry=Retry(NoBackoff(), 0)
    )
    return SharedCircuitBreaker(
        store=SharedStore(lambda: client), clock=clock, failure_threshold=3, cool_off_seconds=30
    )


def _fail(breaker: SharedCircuitBreaker, upstream: str, times: int) -> None:
    down = f"http://127.0.0.1:{closed_port()}/results"
    for _ in range(times):
        with pytest.raises(OutboundError, match="unreachable"):
            outbound_request("GET", down, upstream=upstream, breaker=breaker)


def test_failures_in_one_process_open_the_circuit_for_another_without_a_network_call(server, clock):
    first, second = _process(clock), _process(clock)
    server.expect_request("/results").respond_with_json({"games": []})

    _fail(first, "feed:mirror", 2)
    assert second.state("feed:mirror") == CLOSED
    _fail(first, "feed:mirror", 1)

    assert (second.state("feed:mirror"), second.times_opened("feed:mirror")) == (OPEN, 1)
    with pytest.raises(CircuitOpen, match="circuit open for feed:mirror"):
        outbound_request("GET", server.url_for("/results"), upstream="feed:mirror", breaker=second)
    assert server.log == []  # refused before any connection
    assert second.state("other-upstream") == CLOSED  # per upstream


def test_a_success_resets_the_count_of_consecutive_failures(server, clock):
    first, second = _process(clock), _process(clock)
    server.expect_request("/results").respond_with_json({"games": []})

    _fail(first, "feed:mirror", 2)
    outbound_request("GET", server.url_for("/results"), upstream="feed:mirror", breaker=second)
    _fail(first, "feed:mirror", 2)

    assert first.state("feed:mirror") == CLOSED


def test_5xx_answers_count_as_failures(server, clock):
    breaker = _process(clock)
    server.expect_request("/results").respond_with_data("down", status=503)

    for _ in range(3):
        assert outbound_request("GET", server.url_for("/results"), upstream="feed:x", breaker=breaker).status == 503

    assert breaker.state("feed:x") == OPEN


def test_after_the_cool_off_exactly_one_process_probes_and_its_success_closes_the_circuit(server, clock):
    first, second = _process(clock), _process(clock)
    server.expect_request("/results").respond_with_json({"games": []})
    _fail(first, "feed:mirror", 3)
    clock.advance(30)
    assert second.state("feed:mirror") == HALF_OPEN

    probe = first.acquire("feed:mirror")
    with pytest.raises(CircuitOpen):  # the other process may not probe at the same time
        second.acquire("feed:mirror")
    assert probe.is_probe
    first.record(probe, is_success=True)

    assert second.state("feed:mirror") == CLOSED
    assert outbound_request("GET", server.url_for("/results"), upstream="feed:mirror", breaker=second).status == 200


def test_a_failed_probe_opens_the_circuit_for_another_cool_off(clock):
    first, second = _process(clock), _process(clock)
    _fail(first, "feed:mirror", 3)
    clock.advance(31)

    _fail(second, "feed:mirror", 1)  # the probe

    assert (first.state("feed:mirror"), first.times_opened("feed:mirror")) == (OPEN, 2)
    clock.advance(29)
    with pytest.raises(CircuitOpen):
        first.acquire("feed:mirror")


def test_with_redis_down_calls_go_on_and_each_process_breaks_its_own_circuit(server, clock):
    breaker = _dead_redis_process(clock)
    server.expect_request("/results").respond_with_json({"games": []})

    assert outbound_request("GET", server.url_for("/results"), upstream="feed:m", breaker=breaker).status == 200
    _fail(breaker, "feed:m", 3)

    assert breaker.state("feed:m") == OPEN
    with pytest.raises(CircuitOpen):
        outbound_request("GET", server.url_for("/results"), upstream="feed:m", breaker=breaker)
    assert len(server.log) == 1
    assert _process(clock).state("feed:m") == CLOSED  # nothing reached the shared state
