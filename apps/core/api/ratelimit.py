"""Fixed-window rate limit counters in the Django cache (Redis in the full configuration).

One counter per (scope, identity, window): the first hit of a window creates it with `add` (which
only succeeds for one caller), every hit `incr`s it atomically, and it expires with its window. No
read-modify-write of a history list, so concurrent requests in many processes count exactly.

When the cache fails, the limit fails open: the request proceeds, and the failure is logged and
`throttle_failed_open` is sent for the security app to record — at most once a minute per process
and scope, so an outage under load does not turn into a flood of log lines and security events.
Counters go through the cache manager's circuit breaker: while it is open no Redis timeout is paid.
"""

import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches

from apps.core.cache import CacheUnavailable, breaker
from apps.core.signals import throttle_failed_open

logger = logging.getLogger(__name__)

# The clock of every window computation; tests replace it to step through windows.
clock = time.time

_FAILURE_REPORT_INTERVAL_SECONDS = 60.0
_last_reported_at: dict[str, float] = {}


def reset_failure_reports() -> None:
    """Forget when failures were last reported (tests start each case afresh)."""
    _last_reported_at.clear()


@dataclass(frozen=True, slots=True)
class RateLimitResult:
    """The outcome of one hit: whether it is allowed and what the RateLimit-* headers say."""

    scope: str
    limit: int
    remaining: int
    reset_seconds: int
    is_allowed: bool
    failed_open: bool = False

    def headers(self) -> dict[str, str]:
        if self.failed_open:
            return {}  # nothing is known about the client's budget
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
        }


def _counter_increment(cache, key: str, timeout: int) -> int:
    """Atomically count one hit on `key`, creating it (with its expiry) on a window's first hit."""
    try:
        return cache.incr(key)
    except ValueError:  # the window's first hit: the key does not exist yet
        if cache.add(key, 1, timeout=timeout):
            return 1
        return cache.incr(key)  # another process created it between our incr and add


def ratelimit_hit(*, scope: str, identity: str, limit: int, window_seconds: int) -> RateLimitResult:
    """Count one request of `identity` against `limit` per `window_seconds`; fail open if the cache fails."""
    now = clock()
    window = int(now // window_seconds)
    reset_seconds = max(1, math.ceil((window + 1) * window_seconds - now))
    key = f"ratelimit:{scope}:{identity}:{window}"
    failed_open = RateLimitResult(scope, limit, limit, reset_seconds, is_allowed=True, failed_open=True)
    if not breaker.allow():
        _report_failure(scope=scope, identity=identity, error=CacheUnavailable("circuit open"))
        return failed_open
    try:
        count = _counter_increment(caches[settings.RATELIMIT_CACHE_ALIAS], key, timeout=window_seconds + 1)
    except Exception as error:  # noqa: BLE001 - whatever the cache raises, the request must not fail
        breaker.record_failure()
        _report_failure(scope=scope, identity=identity, error=error)
        return failed_open
    breaker.record_success()
    return RateLimitResult(
        scope=scope,
        limit=limit,
        remaining=max(0, limit - count),
        reset_seconds=reset_seconds,
        is_allowed=count <= limit,
    )


def _report_failure(*, scope: str, identity: str, error: Exception) -> None:
    now = time.monotonic()
    if now - _last_reported_at.get(scope, -math.inf) < _FAILURE_REPORT_INTERVAL_SECONDS:
        return
    _last_reported_at[scope] = now
    logger.warning("rate limit %s not checked, failing open: %s", scope, type(error).__name__)
    throttle_failed_open.send(sender=RateLimitResult, scope=scope, identity=identity, error=type(error).__name__)


def most_restrictive(results: list[RateLimitResult]) -> RateLimitResult | None:
    """The result the RateLimit-* headers report: a refusal (longest wait) first, else the least remaining."""
    known = [result for result in results if not result.failed_open]
    if not known:
        return None
    refused = [result for result in known if not result.is_allowed]
    if refused:
        return max(refused, key=lambda result: result.reset_seconds)
    return min(known, key=lambda result: (result.remaining, -result.reset_seconds))
