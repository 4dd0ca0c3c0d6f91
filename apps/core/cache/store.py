"""Where cached bytes live: raw redis-py in the full configuration, Django's cache otherwise.

The hot path is one MGET (namespace version, tenant version, value) on the pooled redis-py client
that django-redis already holds, without django-redis' serializer in between: the values are our
own entries (manager.py, codec.py), kept as bytes. The embedded configuration (no Redis) uses the
Django cache API instead.
"""

import secrets
from collections.abc import Sequence

from django.conf import settings
from django.core.cache import cache, caches
from django.core.signals import setting_changed
from django.dispatch import receiver
from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError

# What counts as "Redis is unreachable or misbehaving" (the breaker counts these).
CACHE_ERRORS = (RedisError, ConnectionInterrupted, OSError)
# A counter hash's creation mark: set once when the hash is (re)created, so that a reader computing deltas
# between two readings tells a hash that was lost and started again (Redis restarted, flushed, evicted)
# from one that only grew (apps/analytics/telemetry/sampler.py).
COUNTER_EPOCH_FIELD = "epoch"


def _new_epoch() -> int:
    return secrets.randbits(48)


class RedisStore:
    def __init__(self, client, prefix: str):
        self.client = client
        self.prefix = prefix

    def key(self, name: str) -> str:
        return f"{self.prefix}:{name}"

    def mget(self, names: Sequence[str]) -> list:
        """The raw values (bytes, None when missing): decoding is the caller's business."""
        return self.client.mget([self.key(n) for n in names])

    def set(self, name: str, value: str, ttl: int) -> None:
        self.client.set(self.key(name), value, ex=ttl)

    def add(self, name: str, value: str, ttl: int) -> bool:
        return bool(self.client.set(self.key(name), value, ex=ttl, nx=True))

    def delete(self, name: str) -> None:
        self.client.delete(self.key(name))

    def bump(self, version_name: str, modified_name: str, now_ms: int) -> int:
        pipeline = self.client.pipeline(transaction=True)
        pipeline.incr(self.key(version_name))
        pipeline.set(self.key(modified_name), now_ms)
        version, _ = pipeline.execute()
        return int(version)

    def add_counters(self, name: str, counters: dict[str, int]) -> None:
        pipeline = self.client.pipeline(transaction=False)
        for field, amount in counters.items():
            pipeline.hincrby(self.key(name), field, amount)
        pipeline.hsetnx(self.key(name), COUNTER_EPOCH_FIELD, _new_epoch())
        pipeline.execute()

    def read_counters(self, name: str) -> dict[str, int]:
        return {field.decode(): int(value) for field, value in self.client.hgetall(self.key(name)).items()}

    def hash_set(self, name: str, field: str, value: str, ttl: int) -> None:
        """Set one field; the whole hash expires `ttl` seconds after its last write."""
        pipeline = self.client.pipeline(transaction=False)
        pipeline.hset(self.key(name), field, value)
        pipeline.expire(self.key(name), ttl)
        pipeline.execute()

    def hash_read(self, name: str) -> dict[str, str]:
        return {field.decode(): value.decode() for field, value in self.client.hgetall(self.key(name)).items()}

    def hash_delete(self, name: str, fields: Sequence[str]) -> None:
        if fields:
            self.client.hdel(self.key(name), *fields)

    def ping(self) -> None:
        self.client.ping()


class DjangoCacheStore:
    """The embedded configuration: one process, local memory; same interface."""

    def mget(self, names: Sequence[str]) -> list:
        found = cache.get_many(list(names))
        return [found.get(name) for name in names]

    def set(self, name: str, value: str, ttl: int) -> None:
        cache.set(name, value, ttl)

    def add(self, name: str, value: str, ttl: int) -> bool:
        return cache.add(name, value, ttl)

    def delete(self, name: str) -> None:
        cache.delete(name)

    def bump(self, version_name: str, modified_name: str, now_ms: int) -> int:
        cache.add(version_name, 0, None)
        version = cache.incr(version_name)
        cache.set(modified_name, now_ms, None)
        return version

    def add_counters(self, name: str, counters: dict[str, int]) -> None:
        stored = cache.get(name) or {}
        for field, amount in counters.items():
            stored[field] = stored.get(field, 0) + amount
        stored.setdefault(COUNTER_EPOCH_FIELD, _new_epoch())
        cache.set(name, stored, None)

    def read_counters(self, name: str) -> dict[str, int]:
        return dict(cache.get(name) or {})

    def hash_set(self, name: str, field: str, value: str, ttl: int) -> None:
        stored = cache.get(name) or {}
        stored[field] = value
        cache.set(name, stored, ttl)

    def hash_read(self, name: str) -> dict[str, str]:
        return dict(cache.get(name) or {})

    def hash_delete(self, name: str, fields: Sequence[str]) -> None:
        stored = cache.get(name)
        if stored and fields:
            for field in fields:
                stored.pop(field, None)
            cache.set(name, stored, None)

    def ping(self) -> None:
        cache.get("ping")


_current: tuple[object, RedisStore | DjangoCacheStore] | None = None


def default_store() -> RedisStore | DjangoCacheStore:
    """The store of the configured default cache, built once per CACHES setting.

    Not looked up through `caches["default"]` on every call: that is a backend per thread (and under
    ASGI a thread per request), while the redis-py client it holds is thread-safe and its pool shared.
    """
    global _current
    config = settings.CACHES
    current = _current
    if current is not None and current[0] is config:
        return current[1]
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        store = RedisStore(backend.client.get_client(write=True), prefix=f"{backend.key_prefix}:cm")
    else:
        store = DjangoCacheStore()
    _current = (config, store)
    return store


@receiver(setting_changed)
def _forget_store(*, setting: str, **kwargs) -> None:
    global _current
    if setting == "CACHES":
        _current = None
