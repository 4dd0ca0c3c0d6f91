"""The circuit breaker of each upstream, its state in Redis so that every process sees the same circuit.

closed: calls go out; `OUTBOUND_BREAKER_FAILURE_THRESHOLD` consecutive failures open it (a success resets).
open: calls fail at once, without a network call, for `OUTBOUND_BREAKER_COOL_OFF_SECONDS`.
half-open: after the cool-off exactly one call, in any process, is let through as the probe (a Redis key
set NX with a time-to-live: a probe whose process died frees the slot when the key expires); its success
closes the circuit, its failure opens it for another cool-off.

Why shared: a feed mirror or a tenant's webhook that is down is down for every worker; with a per-process
breaker each of N processes would pay `threshold` time-outs before giving up. Each transition is one Lua
script, atomic in Redis. When Redis itself is unreachable the breaker falls back to a per-process one
(apps/core/cache/breaker.py) for that upstream: the call is never refused because Redis is down.
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from redis.commands.core import Script

from apps.core.cache.breaker import CircuitBreaker
from apps.core.outbound.errors import CircuitOpen
from apps.core.outbound.store import SharedStore, StoreUnavailable, default_store

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"
# returns 1 (closed: go), 2 (half-open: this call is the probe) or 0 (open: refuse)
_ALLOW = Script(
    None,
    b"""
local opened = redis.call('HGET', KEYS[1], 'opened_at')
if not opened then return 1 end
if tonumber(ARGV[1]) - tonumber(opened) < tonumber(ARGV[2]) then return 0 end
if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[3]) then return 2 end
return 0
""",
)
# returns 1 when this failure opened (or re-opened) the circuit
_FAILURE = Script(
    None,
    b"""
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
local opened = redis.call('HGET', KEYS[1], 'opened_at')
local was_probe = ARGV[4] == '1' and redis.call('DEL', KEYS[2]) == 1
redis.call('PEXPIRE', KEYS[1], ARGV[3])
if was_probe or (not opened and failures >= tonumber(ARGV[2])) then
  redis.call('HSET', KEYS[1], 'opened_at', ARGV[1])
  redis.call('HINCRBY', KEYS[1], 'times_opened', 1)
  return 1
end
return 0
""",
)
# a probe's success closes the circuit; an ordinary success resets the failure count unless the circuit is
# open (a call let through before it opened says little about the upstream now)
_SUCCESS = Script(
    None,
    b"""
if ARGV[1] == '1' then
  redis.call('DEL', KEYS[2])
  redis.call('HDEL', KEYS[1], 'opened_at', 'failures')
  return 1
end
if redis.call('HEXISTS', KEYS[1], 'opened_at') == 0 then redis.call('HDEL', KEYS[1], 'failures') end
return 0
""",
)


@dataclass(frozen=True)
class Permit:
    """Leave to make one call; hand it back with the outcome (`is_probe`: this call decides half-open)."""

    upstream: str
    is_probe: bool
    is_shared: bool


class SharedCircuitBreaker:
    """Breakers of all upstreams, by name. `clock` is wall time (seconds): the processes share it through Redis."""

    def __init__(
        self,
        *,
        store: SharedStore = default_store,
        clock: Callable[[], float] = time.time,
        failure_threshold: int | None = None,
        cool_off_seconds: float | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self._failure_threshold = failure_threshold
        self._cool_off_seconds = cool_off_seconds
        self._local: dict[str, CircuitBreaker] = {}
        self._local_lock = threading.Lock()

    @property
    def failure_threshold(self) -> int:
        return self._failure_threshold or settings.OUTBOUND_BREAKER_FAILURE_THRESHOLD

    @property
    def cool_off_seconds(self) -> float:
        return self._cool_off_seconds or settings.OUTBOUND_BREAKER_COOL_OFF_SECONDS

    def _keys(self, upstream: str) -> list[str]:
        return [self.store.key("breaker", upstream), self.store.key("breaker", upstream, "probe")]

    def _probe_ttl_ms(self) -> int:
        # a probe takes at most a connect and a read time-out; past that its process is taken for dead
        return settings.OUTBOUND_CONNECT_TIMEOUT_MS + 2 * settings.OUTBOUND_READ_TIMEOUT_MS + 1000

    def _state_ttl_ms(self) -> int:
        return int(max(3600, 10 * self.cool_off_seconds) * 1000)

    def local(self, upstream: str) -> CircuitBreaker:
        """This process's own breaker of the upstream (used while Redis is unreachable)."""
        with self._local_lock:
            if upstream not in self._local:
                self._local[upstream] = CircuitBreaker(
                    failure_threshold=self.failure_threshold, reset_seconds=self.cool_off_seconds, clock=self.clock
                )
            return self._local[upstream]

    def acquire(self, upstream: str) -> Permit:
        """A permit for one call, or CircuitOpen (no network call may be made)."""
        try:
            verdict = self.store.run(
                lambda client: _ALLOW(
                    keys=self._keys(upstream),
                    args=[repr(self.clock()), self.cool_off_seconds, self._probe_ttl_ms()],
                    client=client,
                )
            )
        except StoreUnavailable:
            local = self.local(upstream)
            probing = local.state == HALF_OPEN
            if not local.allow():
                raise CircuitOpen(f"circuit open for {upstream}") from None
            return Permit(upstream=upstream, is_probe=probing, is_shared=False)
        if int(verdict) == 0:
            raise CircuitOpen(f"circuit open for {upstream}")
        return Permit(upstream=upstream, is_probe=int(verdict) == 2, is_shared=True)

    def record(self, permit: Permit, *, is_success: bool) -> None:
        """The outcome of the permitted call (a failure is the upstream's fault: unreachable, time-out, 5xx)."""
        if not permit.is_shared:
            self._record_local(permit.upstream, is_success=is_success)
            return
        keys = self._keys(permit.upstream)
        probe = "1" if permit.is_probe else "0"
        try:
            if is_success:
                self.store.run(lambda client: _SUCCESS(keys=keys, args=[probe], client=client))
            else:
                args = [repr(self.clock()), self.failure_threshold, self._state_ttl_ms(), probe]
                self.store.run(lambda client: _FAILURE(keys=keys, args=args, client=client))
        except StoreUnavailable:
            self._record_local(permit.upstream, is_success=is_success)

    def _record_local(self, upstream: str, *, is_success: bool) -> None:
        if is_success:
            self.local(upstream).record_success()
        else:
            self.local(upstream).record_failure()

    def state(self, upstream: str) -> str:
        """closed, open or half_open as every process sees it (this process's own while Redis is down)."""
        try:
            opened = self.store.run(lambda client: client.hget(self._keys(upstream)[0], "opened_at"))
        except StoreUnavailable:
            return self.local(upstream).state
        if opened is None:
            return CLOSED
        return OPEN if self.clock() - float(opened) < self.cool_off_seconds else HALF_OPEN

    def times_opened(self, upstream: str) -> int:
        try:
            value = self.store.run(lambda client: client.hget(self._keys(upstream)[0], "times_opened"))
        except StoreUnavailable:
            return self.local(upstream).times_opened
        return int(value or 0)


breakers = SharedCircuitBreaker()
