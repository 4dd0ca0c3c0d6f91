"""Passive health of an upstream's endpoints: what the calls themselves show, no separate probing.

`OUTBOUND_EJECT_AFTER_FAILURES` consecutive failures of one endpoint eject it for a back-off of
`OUTBOUND_EJECT_BASE_SECONDS` x 2^(ejections so far), capped at `OUTBOUND_EJECT_MAX_SECONDS`; when the back-off
ends it is chosen again like the others (its next failures eject it for longer). An endpoint that stays in
for twice the cap forgets its ejections. Shared in Redis (one Lua script per failure): a mirror that
failed in one worker is avoided by all. Without Redis each process keeps its own (same rules).
"""

import threading
import time
from collections.abc import Callable, Iterable

from django.conf import settings
from redis.commands.core import Script

from apps.core.outbound.store import SharedStore, StoreUnavailable, default_store

# KEYS: failures hash, ejected-until hash, ejection-count key; ARGV: endpoint, now, threshold, base, max
# returns the back-off in seconds when this failure ejected the endpoint, else 0
_FAILURE = Script(
    None,
    b"""
local failures = redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('EXPIRE', KEYS[1], 2 * tonumber(ARGV[5]))
if failures < tonumber(ARGV[3]) then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
local count = redis.call('INCR', KEYS[3])
redis.call('EXPIRE', KEYS[3], 2 * tonumber(ARGV[5]))
local backoff = math.min(tonumber(ARGV[4]) * 2 ^ (count - 1), tonumber(ARGV[5]))
redis.call('HSET', KEYS[2], ARGV[1], tonumber(ARGV[2]) + backoff)
redis.call('EXPIRE', KEYS[2], 2 * tonumber(ARGV[5]))
return tostring(backoff)
""",
)


def backoff_seconds(ejections: int, *, base: float, cap: float) -> float:
    """The n-th ejection's length (n >= 1): base, 2 x base, 4 x base, ... never above the cap."""
    return min(base * 2 ** (ejections - 1), cap)


class PassiveHealth:
    """Ejections of the endpoints of every upstream (an endpoint is named by its base URL)."""

    def __init__(self, *, store: SharedStore = default_store, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock
        self._lock = threading.Lock()
        self._failures: dict[tuple[str, str], int] = {}
        self._ejections: dict[tuple[str, str], tuple[int, float]] = {}  # (count, ejected until)

    def _keys(self, upstream: str, endpoint: str) -> list[str]:
        return [
            self.store.key("health", upstream, "failures"),
            self.store.key("health", upstream, "ejected"),
            self.store.key("health", upstream, "ejections", endpoint),
        ]

    def record_success(self, upstream: str, endpoint: str) -> None:
        try:
            self.store.run(lambda client: client.hdel(self._keys(upstream, endpoint)[0], endpoint))
        except StoreUnavailable:
            with self._lock:
                self._failures.pop((upstream, endpoint), None)

    def record_failure(self, upstream: str, endpoint: str) -> float:
        """Count a failure; the back-off (seconds) when it ejected the endpoint, else 0."""
        base, cap = settings.OUTBOUND_EJECT_BASE_SECONDS, settings.OUTBOUND_EJECT_MAX_SECONDS
        threshold, now = settings.OUTBOUND_EJECT_AFTER_FAILURES, self.clock()
        try:
            ejected_for = self.store.run(
                lambda client: _FAILURE(
                    keys=self._keys(upstream, endpoint), args=[endpoint, repr(now), threshold, base, cap], client=client
                )
            )
            return float(ejected_for)
        except StoreUnavailable:
            return self._local_failure(upstream, endpoint, now=now, threshold=threshold, base=base, cap=cap)

    def _local_failure(self, upstream: str, endpoint: str, *, now: float, threshold: int, base: float, cap: float):
        key = (upstream, endpoint)
        with self._lock:
            self._failures[key] = self._failures.get(key, 0) + 1
            if self._failures[key] < threshold:
                return 0.0
            del self._failures[key]
            count, until = self._ejections.get(key, (0, 0.0))
            count = 1 if now - until > 2 * cap else count + 1
            backoff = backoff_seconds(count, base=base, cap=cap)
            self._ejections[key] = (count, now + backoff)
            return backoff

    def ejected(self, upstream: str, endpoints: Iterable[str]) -> set[str]:
        """The endpoints among these that are ejected now."""
        endpoints, now = list(endpoints), self.clock()
        try:
            until = self.store.run(
                lambda client: client.hmget(self.store.key("health", upstream, "ejected"), endpoints)
            )
            return {endpoint for endpoint, value in zip(endpoints, until, strict=True) if value and float(value) > now}
        except StoreUnavailable:
            with self._lock:
                return {e for e in endpoints if self._ejections.get((upstream, e), (0, 0.0))[1] > now}


health = PassiveHealth()
