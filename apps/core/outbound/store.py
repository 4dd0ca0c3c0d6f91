"""Where the shared state of outbound calls lives: Redis, reached through django-redis' pooled client.

Breakers, ejections, in-flight leases, round-robin counters and response-time averages are shared by every
process (web, workers) through Redis. Redis may be down: `SharedStore.run` then raises `StoreUnavailable` at
once and the callers fall back to state of their own process (never failing the outbound call for it). A
small per-process guard stops paying Redis' socket time-out on every call while it is down.
"""

from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError

from apps.core.cache.breaker import CircuitBreaker

T = TypeVar("T")
STORE_ERRORS = (RedisError, ConnectionInterrupted, OSError)
KEY_PREFIX = "outbound"


class StoreUnavailable(Exception):
    """Redis did not answer (or this process saw it fail moments ago): use per-process state."""


def _django_redis_client():
    if "django_redis" not in settings.CACHES["default"]["BACKEND"]:
        return None  # the embedded configuration: no Redis at all
    from django_redis import get_redis_connection  # noqa: PLC0415 - importable only with django-redis set up

    return get_redis_connection("default")


class SharedStore:
    """One Redis client plus a per-process guard: 2 failures in a row skip Redis for 5 seconds."""

    def __init__(self, client_factory: Callable[[], object | None] = _django_redis_client) -> None:
        self._client_factory = client_factory
        self._guard = CircuitBreaker(failure_threshold=2, reset_seconds=5)

    @staticmethod
    def key(*parts: str) -> str:
        return ":".join((KEY_PREFIX, *parts))

    def run(self, operation: Callable[[object], T]) -> T:
        """operation(client) against Redis; StoreUnavailable without Redis, when it fails, or while guarded."""
        client = self._client_factory()
        if client is None or not self._guard.allow():
            raise StoreUnavailable("no Redis" if client is None else "Redis failed moments ago")
        try:
            result = operation(client)
        except STORE_ERRORS as error:
            self._guard.record_failure()
            raise StoreUnavailable(f"{type(error).__name__}: {error}") from error
        self._guard.record_success()
        return result

    def reset(self) -> None:
        self._guard.reset()


default_store = SharedStore()
