"""How a balancer chooses among an upstream's endpoints: five strategies (Kong's and nginx's set).

Each strategy picks one of `candidates` (the endpoints not ejected, in configured order) and never fails on a
non-empty list. What is shared between processes, and why:

- round robin: one counter in Redis (INCR), so N processes together still rotate evenly;
- weighted round robin: nginx's smooth algorithm, per process, as nginx keeps it per worker: each process is
  proportional over every cycle, so the sum is too, and a shared version would cost a Lua call per pick;
- least connections: in-flight calls are leases in Redis (a sorted set per endpoint, scored by expiry, so a
  process that dies mid-call does not leave its calls counted for ever), weighted: in-flight / weight;
- least response time: an exponentially weighted moving average per endpoint in Redis, decayed by its age
  (a once-slow endpoint is tried again after a few half-lives instead of being starved for ever);
- consistent hashing: a ring of virtual nodes (160 per unit of weight), a pure function of the endpoint set
  and the key (blake2b, the same in every process): no state at all.

Without Redis the shared parts fall back to per-process state (`LocalState`): balancing stays correct per
process, and the calls go on.
"""

import bisect
import hashlib
import itertools
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

ROUND_ROBIN = "round_robin"
WEIGHTED_ROUND_ROBIN = "weighted_round_robin"
LEAST_CONNECTIONS = "least_connections"
LEAST_RESPONSE_TIME = "least_response_time"
CONSISTENT_HASH = "consistent_hash"
STRATEGIES = (ROUND_ROBIN, WEIGHTED_ROUND_ROBIN, LEAST_CONNECTIONS, LEAST_RESPONSE_TIME, CONSISTENT_HASH)
VIRTUAL_NODES_PER_WEIGHT = 160


@dataclass(frozen=True)
class Endpoint:
    """One address of an upstream: its base URL and its weight (weighted strategies only)."""

    url: str
    weight: int = 1


class LocalState:
    """Per-process balancing state; `apps.core.outbound.balancer.RedisState` has the same methods, shared."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: dict[str, itertools.count] = {}
        self._in_flight: dict[tuple[str, str], int] = {}
        self._averages: dict[tuple[str, str], tuple[float, float]] = {}

    def next_number(self, upstream: str) -> int:
        with self._lock:
            return next(self._counters.setdefault(upstream, itertools.count()))

    def in_flight(self, upstream: str, endpoints: Sequence[str], now: float) -> list[int]:
        with self._lock:
            return [self._in_flight.get((upstream, endpoint), 0) for endpoint in endpoints]

    def lease(self, upstream: str, endpoint: str, now: float) -> str:
        with self._lock:
            self._in_flight[(upstream, endpoint)] = self._in_flight.get((upstream, endpoint), 0) + 1
        return endpoint

    def release(self, upstream: str, endpoint: str, lease: str) -> None:
        with self._lock:
            self._in_flight[(upstream, endpoint)] = max(0, self._in_flight.get((upstream, endpoint), 0) - 1)

    def averages(self, upstream: str, endpoints: Sequence[str]) -> list[tuple[float, float] | None]:
        """(average milliseconds, time of the last sample) per endpoint; None before its first sample."""
        with self._lock:
            return [self._averages.get((upstream, endpoint)) for endpoint in endpoints]

    def observe(self, upstream: str, endpoint: str, milliseconds: float, *, alpha: float, now: float) -> None:
        with self._lock:
            previous = self._averages.get((upstream, endpoint))
            average = milliseconds if previous is None else alpha * milliseconds + (1 - alpha) * previous[0]
            self._averages[(upstream, endpoint)] = (average, now)


def _rotated_argmin(costs: Sequence[float], start: int) -> int:
    """The index of the smallest cost; ties go to the first one from `start` on (so ties rotate)."""
    count = len(costs)
    order = [(start + offset) % count for offset in range(count)]
    return min(order, key=lambda index: costs[index])


def round_robin(candidates: Sequence[Endpoint], *, number: int) -> Endpoint:
    return candidates[number % len(candidates)]


class SmoothWeightedRoundRobin:
    """nginx's smooth weighted round robin: each pick adds every weight to its endpoint's current value,
    takes the largest, and subtracts the total from it. Over each cycle of sum(weights) picks each endpoint
    is chosen exactly `weight` times, spread out (5,1,1 gives a a b a c a a, not a a a a a b c)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._current: dict[str, int] = {}

    def pick(self, candidates: Sequence[Endpoint]) -> Endpoint:
        with self._lock:
            total = 0
            best: Endpoint | None = None
            for endpoint in candidates:
                current = self._current.get(endpoint.url, 0) + endpoint.weight
                self._current[endpoint.url] = current
                total += endpoint.weight
                if best is None or current > self._current[best.url]:
                    best = endpoint
            assert best is not None  # candidates is never empty
            self._current[best.url] -= total
            return best


def least_connections(candidates: Sequence[Endpoint], *, in_flight: Sequence[int], number: int) -> Endpoint:
    """The endpoint with the fewest calls in flight per unit of weight (ties rotate)."""
    costs = [count / endpoint.weight for count, endpoint in zip(in_flight, candidates, strict=True)]
    return candidates[_rotated_argmin(costs, number)]


def decayed_average(sample: tuple[float, float] | None, *, now: float, half_life: float) -> float:
    """An endpoint's response-time figure now: its EWMA halved every `half_life` seconds since its last
    sample; 0 before the first sample (an endpoint never measured is tried first)."""
    if sample is None:
        return 0.0
    average, at = sample
    return average * math.pow(0.5, max(0.0, now - at) / half_life)


def least_response_time(
    candidates: Sequence[Endpoint],
    *,
    averages: Sequence[tuple[float, float] | None],
    now: float,
    half_life: float,
    number: int,
) -> Endpoint:
    """The endpoint with the lowest decayed response-time average (ties, such as the unmeasured, rotate)."""
    costs = [decayed_average(sample, now=now, half_life=half_life) for sample in averages]
    return candidates[_rotated_argmin(costs, number)]


def _point(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


@lru_cache(maxsize=256)
def _ring(endpoints: tuple[Endpoint, ...]) -> tuple[list[int], list[Endpoint]]:
    nodes = sorted(
        (
            (_point(f"{endpoint.url}#{replica}"), endpoint)
            for endpoint in endpoints
            for replica in range(VIRTUAL_NODES_PER_WEIGHT * endpoint.weight)
        ),
        key=lambda node: (node[0], node[1].url),
    )
    return [point for point, _ in nodes], [endpoint for _, endpoint in nodes]


def consistent_hash(candidates: Sequence[Endpoint], *, key: str) -> Endpoint:
    """The endpoint owning the first virtual node clockwise from the key's point on the ring. Removing an
    endpoint moves only the keys it owned (to their next node); the others keep theirs."""
    points, owners = _ring(tuple(candidates))
    index = bisect.bisect(points, _point(key)) % len(points)
    return owners[index]
