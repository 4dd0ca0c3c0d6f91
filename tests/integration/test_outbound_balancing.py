"""Balancing over an upstream's endpoints (apps/core/outbound/balancer.py, strategies.py): the distribution of
each strategy as properties (hypothesis, per-process state), then what is shared through Redis (the counter,
in-flight leases, ejections) with two balancers standing for two processes, and real calls to local mirrors."""

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from apps.core.outbound import Balancer, Endpoint, OutboundError, balanced_request
from apps.core.outbound.balancer import SharedState
from apps.core.outbound.health import PassiveHealth, backoff_seconds
from apps.core.outbound.store import SharedStore
from apps.core.outbound.strategies import (
    CONSISTENT_HASH,
    LEAST_CONNECTIONS,
    LEAST_RESPONSE_TIME,
    ROUND_ROBIN,
    WEIGHTED_ROUND_ROBIN,
    LocalState,
    consistent_hash,
    decayed_average,
    least_response_time,
)
from tests.integration.outbound_helpers import FakeClock, closed_port, local_server

KEYS = [f"game-{number}" for number in range(2000)]
endpoint_lists = st.lists(st.integers(min_value=1, max_value=10), min_size=1, max_size=6).map(
    lambda weights: [Endpoint(url=f"http://mirror-{index}.test/", weight=w) for index, w in enumerate(weights)]
)


def _local_balancer(endpoints, strategy, clock=None) -> Balancer:
    """A balancer on per-process state only (no Redis: the properties are of the algorithms)."""
    no_redis = SharedStore(lambda: None)
    return Balancer(
        upstream="mirrors",
        endpoints=endpoints,
        strategy=strategy,
        state=SharedState(no_redis),
        passive_health=PassiveHealth(store=no_redis, clock=clock or FakeClock()),
        clock=clock or FakeClock(),
    )


@given(endpoints=endpoint_lists, picks=st.integers(min_value=0, max_value=120))
def test_round_robin_counts_differ_by_at_most_one(endpoints, picks):
    balancer = _local_balancer(endpoints, ROUND_ROBIN)

    counts = Counter(balancer.choose() for _ in range(picks))

    assert max(counts[e] for e in endpoints) - min(counts[e] for e in endpoints) <= 1


@given(endpoints=endpoint_lists, cycles=st.integers(min_value=1, max_value=4))
def test_smooth_weighted_round_robin_is_proportional_within_one_at_every_pick(endpoints, cycles):
    balancer = _local_balancer(endpoints, WEIGHTED_ROUND_ROBIN)
    total = sum(endpoint.weight for endpoint in endpoints)
    counts: Counter = Counter()

    for pick in range(1, cycles * total + 1):
        counts[balancer.choose()] += 1
        assert all(abs(counts[e] - pick * e.weight / total) <= 1 for e in endpoints)
        if pick % total == 0:  # each full cycle: exactly the weights
            assert all(counts[e] == e.weight * pick // total for e in endpoints)


@given(endpoints=endpoint_lists, operations=st.lists(st.booleans(), max_size=60))
def test_least_connections_always_picks_the_fewest_in_flight_per_weight(endpoints, operations):
    balancer = _local_balancer(endpoints, LEAST_CONNECTIONS)
    open_calls = []

    for is_start in operations:
        if is_start or not open_calls:
            in_flight = Counter(endpoint for endpoint, _ in open_calls)
            chosen = balancer.choose()
            assert in_flight[chosen] / chosen.weight == min(in_flight[e] / e.weight for e in endpoints)
            call = balancer.track(chosen)
            call.__enter__()
            open_calls.append((chosen, call))
        else:
            _, call = open_calls.pop(0)
            call.__exit__(None, None, None)


@given(count=st.integers(min_value=1, max_value=6), picks=st.integers(min_value=0, max_value=60))
def test_least_connections_with_equal_weights_spreads_open_calls_within_one(count, picks):
    endpoints = [Endpoint(url=f"http://mirror-{index}.test/") for index in range(count)]
    balancer = _local_balancer(endpoints, LEAST_CONNECTIONS)

    open_calls = [balancer.track(balancer.choose()) for _ in range(picks)]
    for call in open_calls:
        call.__enter__()  # calls that stay open

    in_flight = balancer.state.local.in_flight("mirrors", [e.url for e in endpoints], 0)
    assert max(in_flight) - min(in_flight) <= 1 and sum(in_flight) == picks


@given(
    latencies=st.lists(st.floats(min_value=1, max_value=5000), min_size=1, max_size=6, unique=True),
    picks=st.integers(min_value=0, max_value=80),
)
def test_least_response_time_sends_all_but_the_first_tries_to_the_fastest(latencies, picks):
    endpoints = [Endpoint(url=f"http://mirror-{index}.test/") for index in range(len(latencies))]
    state, counts = LocalState(), Counter()

    for number in range(picks):
        averages = state.averages("mirrors", [e.url for e in endpoints])
        chosen = least_response_time(endpoints, averages=averages, now=100.0, half_life=60, number=number)
        counts[chosen] += 1
        state.observe("mirrors", chosen.url, latencies[endpoints.index(chosen)], alpha=0.3, now=100.0)

    fastest = endpoints[latencies.index(min(latencies))]
    assert counts[fastest] >= picks - (len(endpoints) - 1)  # each other endpoint is tried once, unmeasured


@given(samples=st.lists(st.floats(min_value=0, max_value=10_000), min_size=1, max_size=30))
def test_the_response_time_average_stays_within_its_samples_and_halves_per_half_life(samples):
    state = LocalState()
    for sample in samples:
        state.observe("mirrors", "a", sample, alpha=0.3, now=0.0)
    ((average, _),) = state.averages("mirrors", ["a"])

    assert min(samples) - 1e-6 <= average <= max(samples) + 1e-6
    assert decayed_average((average, 0.0), now=120.0, half_life=60) == pytest.approx(average / 4)


@hypothesis_settings(max_examples=40)
@given(count=st.integers(min_value=2, max_value=8), removed=st.integers(min_value=0, max_value=7))
def test_consistent_hashing_moves_only_the_removed_endpoints_keys(count, removed):
    endpoints = [Endpoint(url=f"http://mirror-{index}.test/") for index in range(count)]
    gone = endpoints[removed % count]
    before = {key: consistent_hash(endpoints, key=key) for key in KEYS}
    after = {key: consistent_hash([e for e in endpoints if e != gone], key=key) for key in KEYS}

    moved = {key for key in KEYS if before[key] != after[key]}
    assert moved == {key for key in KEYS if before[key] == gone}
    share = Counter(before.values())
    assert all(0.5 / count <= share[e] / len(KEYS) <= 1.6 / count for e in endpoints)  # ~1/n each
    assert len(moved) / len(KEYS) <= 1.6 / count


@hypothesis_settings(max_examples=20)
@given(count=st.integers(min_value=1, max_value=7))
def test_consistent_hashing_gives_an_added_endpoint_about_its_share_taken_from_the_others(count):
    endpoints = [Endpoint(url=f"http://mirror-{index}.test/") for index in range(count + 1)]
    before = {key: consistent_hash(endpoints[:-1], key=key) for key in KEYS}
    after = {key: consistent_hash(endpoints, key=key) for key in KEYS}

    moved = {key for key in KEYS if before[key] != after[key]}
    assert all(after[key] == endpoints[-1] for key in moved)
    assert 0.5 / (count + 1) <= len(moved) / len(KEYS) <= 1.6 / (count + 1)


@pytest.mark.parametrize(("ejections", "expected"), [(1, 10), (2, 20), (3, 40), (4, 40), (9, 40)])
def test_the_ejection_back_off_doubles_up_to_its_cap(ejections, expected):
    assert backoff_seconds(ejections, base=10, cap=40) == expected


# --- shared through Redis: two balancers are two processes ---------------------------------------------

MIRRORS = [Endpoint(url="http://a.test/"), Endpoint(url="http://b.test/"), Endpoint(url="http://c.test/")]


def _process(strategy, clock, endpoints=MIRRORS) -> Balancer:
    store = SharedStore()
    return Balancer(
        upstream="mirrors",
        endpoints=endpoints,
        strategy=strategy,
        state=SharedState(store),
        passive_health=PassiveHealth(store=store, clock=clock),
        clock=clock,
    )


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def eject_fast(settings):
    settings.OUTBOUND_EJECT_AFTER_FAILURES = 2
    settings.OUTBOUND_EJECT_BASE_SECONDS = 10
    settings.OUTBOUND_EJECT_MAX_SECONDS = 40


def test_round_robin_rotates_across_processes(clock):
    first, second = _process(ROUND_ROBIN, clock), _process(ROUND_ROBIN, clock)

    picks = [balancer.choose() for _ in range(3) for balancer in (first, second)]

    assert Counter(picks) == dict.fromkeys(MIRRORS, 2)


def test_least_connections_counts_the_calls_in_flight_in_every_process(clock):
    first, second = _process(LEAST_CONNECTIONS, clock), _process(LEAST_CONNECTIONS, clock)

    with first.track(MIRRORS[0]), first.track(MIRRORS[1]):
        assert second.choose() == MIRRORS[2]
        with second.track(MIRRORS[2]):
            clock.advance(3600)  # leases of calls whose process died expire
            assert first.state.in_flight("mirrors", [e.url for e in MIRRORS], clock()) == [0, 0, 0]


def test_least_response_time_learns_from_calls_in_every_process(clock):
    first, second = _process(LEAST_RESPONSE_TIME, clock), _process(LEAST_RESPONSE_TIME, clock)
    for endpoint, milliseconds in zip(MIRRORS, (300.0, 20.0, 900.0), strict=True):
        first.state.observe("mirrors", endpoint.url, milliseconds, alpha=0.3, now=clock())

    assert [second.choose() for _ in range(3)] == [MIRRORS[1]] * 3


def test_consistent_hashing_sends_a_key_to_the_same_endpoint_from_every_process(clock):
    first, second = _process(CONSISTENT_HASH, clock), _process(CONSISTENT_HASH, clock)

    assert [first.choose(key=key) for key in KEYS[:50]] == [second.choose(key=key) for key in KEYS[:50]]


def test_a_failing_endpoint_is_ejected_for_every_process_and_comes_back_after_a_growing_back_off(clock, eject_fast):
    first, second = _process(ROUND_ROBIN, clock), _process(ROUND_ROBIN, clock)
    failing = MIRRORS[0]

    def fail_once() -> None:
        with first.track(failing) as outcome:
            outcome.failed()

    fail_once()
    assert second.candidates() == MIRRORS  # one failure is not enough
    fail_once()
    assert second.candidates() == MIRRORS[1:]
    assert failing not in {second.choose() for _ in range(6)}

    clock.advance(10)
    assert second.candidates() == MIRRORS  # back after the first back-off
    fail_once()
    fail_once()
    clock.advance(10)
    assert second.candidates() == MIRRORS[1:]  # the second ejection lasts 20 s
    clock.advance(10)
    assert second.candidates() == MIRRORS


def test_when_every_endpoint_is_ejected_the_balancer_still_picks_among_all(clock, eject_fast):
    balancer = _process(ROUND_ROBIN, clock)
    for endpoint in MIRRORS:
        for _ in range(2):
            with balancer.track(endpoint) as outcome:
                outcome.failed()

    assert {balancer.choose() for _ in range(3)} == set(MIRRORS)


def test_balanced_requests_fail_over_to_a_live_mirror_and_eject_the_dead_one(clock, eject_fast):
    server = local_server()
    try:
        server.expect_request("/v1/games").respond_with_json({"games": []})
        dead = Endpoint(url=f"http://127.0.0.1:{closed_port()}/")
        live = Endpoint(url=server.url_for("/"))
        balancer = _process(ROUND_ROBIN, clock, endpoints=[dead, live])

        statuses = [balanced_request(balancer, "GET", "/v1/games", attempts=2)[1].status for _ in range(4)]

        assert statuses == [200] * 4
        assert balancer.candidates() == [live]
        assert len(server.log) == 4
        with pytest.raises(OutboundError):
            balanced_request(
                _process(ROUND_ROBIN, clock, endpoints=[dead]), "GET", "/v1/games", attempts=2
            )  # one endpoint: nothing to fail over to
    finally:
        server.stop()
