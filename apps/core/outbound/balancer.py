"""A balancer per upstream with several endpoints (feed mirrors, a webhook's fallback URLs): it picks an
endpoint by the upstream's strategy (strategies.py) among those passive health has not ejected (health.py),
and records each call's in-flight lease, response time and outcome.

When every endpoint is ejected the balancer picks among all of them (Envoy's "panic" rule): a call that may
fail beats no call, and the upstream's circuit breaker still stops a storm against a dead upstream.
"""

import contextlib
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from django.conf import settings
from redis.commands.core import Script

from apps.core.outbound import strategies
from apps.core.outbound.health import PassiveHealth, health
from apps.core.outbound.store import SharedStore, StoreUnavailable, default_store
from apps.core.outbound.strategies import Endpoint, LocalState

_OBSERVE = Script(
    None,
    b"""
local previous = redis.call('HGET', KEYS[1], ARGV[1])
local sample, alpha = tonumber(ARGV[2]), tonumber(ARGV[3])
local average = sample
if previous then average = alpha * sample + (1 - alpha) * tonumber(string.match(previous, '^([^,]+)')) end
redis.call('HSET', KEYS[1], ARGV[1], tostring(average) .. ',' .. ARGV[4])
redis.call('EXPIRE', KEYS[1], 86400)
return tostring(average)
""",
)


def _lease_seconds() -> float:
    # an in-flight lease outlives any call (connect + read time-outs, with margin); then it no longer counts
    return (settings.OUTBOUND_CONNECT_TIMEOUT_MS + 2 * settings.OUTBOUND_READ_TIMEOUT_MS) / 1000 + 5


class SharedState:
    """The balancing state in Redis, each operation falling back to this process's `LocalState`."""

    def __init__(self, store: SharedStore = default_store) -> None:
        self.store = store
        self.local = LocalState()

    def next_number(self, upstream: str) -> int:
        try:
            return self.store.run(lambda client: client.incr(self.store.key("rr", upstream))) - 1
        except StoreUnavailable:
            return self.local.next_number(upstream)

    def _in_flight_key(self, upstream: str, endpoint: str) -> str:
        return self.store.key("inflight", upstream, endpoint)

    def in_flight(self, upstream: str, endpoints: Sequence[str], now: float) -> list[int]:
        def count(client) -> list[int]:
            pipeline = client.pipeline(transaction=False)
            for endpoint in endpoints:
                pipeline.zcount(self._in_flight_key(upstream, endpoint), f"({now!r}", "+inf")
            return [int(value) for value in pipeline.execute()]

        try:
            return self.store.run(count)
        except StoreUnavailable:
            return self.local.in_flight(upstream, endpoints, now)

    def lease(self, upstream: str, endpoint: str, now: float) -> str:
        lease, seconds = uuid.uuid4().hex, _lease_seconds()
        key = self._in_flight_key(upstream, endpoint)

        def add(client) -> None:
            pipeline = client.pipeline(transaction=False)
            pipeline.zremrangebyscore(key, "-inf", now)  # leases of calls whose process died
            pipeline.zadd(key, {lease: now + seconds})
            pipeline.expire(key, int(seconds) * 2)
            pipeline.execute()

        try:
            self.store.run(add)
            return f"shared:{lease}"
        except StoreUnavailable:
            return f"local:{self.local.lease(upstream, endpoint, now)}"

    def release(self, upstream: str, endpoint: str, lease: str) -> None:
        where, _, token = lease.partition(":")
        if where == "local":
            self.local.release(upstream, endpoint, token)
            return
        with contextlib.suppress(StoreUnavailable):  # if Redis is down the lease expires by itself
            self.store.run(lambda client: client.zrem(self._in_flight_key(upstream, endpoint), token))

    def averages(self, upstream: str, endpoints: Sequence[str]) -> list[tuple[float, float] | None]:
        try:
            values = self.store.run(lambda client: client.hmget(self.store.key("ewma", upstream), list(endpoints)))
        except StoreUnavailable:
            return self.local.averages(upstream, endpoints)
        parsed: list[tuple[float, float] | None] = []
        for value in values:
            average, _, at = value.decode().partition(",") if value else ("", "", "")
            parsed.append((float(average), float(at)) if value else None)
        return parsed

    def observe(self, upstream: str, endpoint: str, milliseconds: float, *, alpha: float, now: float) -> None:
        key = self.store.key("ewma", upstream)
        try:
            self.store.run(
                lambda client: _OBSERVE(keys=[key], args=[endpoint, milliseconds, alpha, repr(now)], client=client)
            )
        except StoreUnavailable:
            self.local.observe(upstream, endpoint, milliseconds, alpha=alpha, now=now)


class Balancer:
    """Chooses among one upstream's endpoints and learns from each call (`track`)."""

    def __init__(
        self,
        *,
        upstream: str,
        endpoints: Sequence[Endpoint],
        strategy: str,
        state: SharedState | LocalState | None = None,
        passive_health: PassiveHealth = health,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not endpoints:
            raise ValueError(f"Upstream {upstream} has no endpoints.")
        if strategy not in strategies.STRATEGIES:
            raise ValueError(f"Unknown balancing strategy {strategy!r}: one of {', '.join(strategies.STRATEGIES)}.")
        self.upstream, self.endpoints, self.strategy = upstream, tuple(endpoints), strategy
        self.state = state if state is not None else shared_state
        self.health = passive_health
        self.clock = clock
        self._weighted = strategies.SmoothWeightedRoundRobin()

    def candidates(self, *, exclude: Sequence[Endpoint] = ()) -> list[Endpoint]:
        """The endpoints to choose from: not excluded and not ejected (all not excluded when all are ejected)."""
        left = [endpoint for endpoint in self.endpoints if endpoint not in exclude]
        ejected = self.health.ejected(self.upstream, [endpoint.url for endpoint in left]) if left else set()
        return [endpoint for endpoint in left if endpoint.url not in ejected] or left

    def choose(self, *, key: str | None = None, exclude: Sequence[Endpoint] = ()) -> Endpoint | None:
        """The endpoint for the next call (None when every endpoint is excluded). `key`: consistent hashing's."""
        candidates = self.candidates(exclude=exclude)
        if not candidates:
            return None
        return self.pick(candidates, key=key)

    def pick(self, candidates: Sequence[Endpoint], *, key: str | None = None) -> Endpoint:
        if self.strategy == strategies.WEIGHTED_ROUND_ROBIN:
            return self._weighted.pick(candidates)
        if self.strategy == strategies.CONSISTENT_HASH:
            return strategies.consistent_hash(candidates, key=key if key is not None else self.upstream)
        number = self.state.next_number(self.upstream)
        if self.strategy == strategies.ROUND_ROBIN:
            return strategies.round_robin(candidates, number=number)
        urls = [endpoint.url for endpoint in candidates]
        if self.strategy == strategies.LEAST_CONNECTIONS:
            in_flight = self.state.in_flight(self.upstream, urls, self.clock())
            return strategies.least_connections(candidates, in_flight=in_flight, number=number)
        return strategies.least_response_time(
            candidates,
            averages=self.state.averages(self.upstream, urls),
            now=self.clock(),
            half_life=settings.OUTBOUND_EWMA_DECAY_HALF_LIFE_SECONDS,
            number=number,
        )

    @contextmanager
    def track(self, endpoint: Endpoint) -> Iterator["CallOutcome"]:
        """Around one call to `endpoint`: an in-flight lease, then its response time and health outcome.
        The call failed if it raised or the caller marked it (`outcome.failed()`)."""
        outcome = CallOutcome()
        lease = self.state.lease(self.upstream, endpoint.url, self.clock())
        started = time.monotonic()
        try:
            yield outcome
        except BaseException:
            if not outcome.is_skipped:
                outcome.failed()
            raise
        finally:
            self.state.release(self.upstream, endpoint.url, lease)
            if outcome.is_skipped:
                pass
            elif outcome.is_failure:
                self.health.record_failure(self.upstream, endpoint.url)
            else:
                self.health.record_success(self.upstream, endpoint.url)
                milliseconds = (time.monotonic() - started) * 1000
                alpha = settings.OUTBOUND_EWMA_ALPHA_PERCENT / 100
                self.state.observe(self.upstream, endpoint.url, milliseconds, alpha=alpha, now=self.clock())


class CallOutcome:
    """What one tracked call showed: success (the default), failure, or nothing (no call was made)."""

    def __init__(self) -> None:
        self.is_failure = False
        self.is_skipped = False

    def failed(self) -> None:
        self.is_failure = True

    def skipped(self) -> None:
        self.is_skipped = True


shared_state = SharedState()
_balancers: dict[tuple, Balancer] = {}
_balancers_lock = threading.Lock()


def balancer_for(*, upstream: str, endpoints: Sequence[Endpoint], strategy: str) -> Balancer:
    """This process's balancer of the upstream (kept, so weighted round robin's per-process state lasts)."""
    identity = (upstream, tuple(endpoints), strategy)
    with _balancers_lock:
        if identity not in _balancers:
            _balancers[identity] = Balancer(upstream=upstream, endpoints=endpoints, strategy=strategy)
        return _balancers[identity]
