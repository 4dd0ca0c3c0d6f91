"""The cache manager: namespaced, versioned, stampede-protected reads behind a circuit breaker.

    cache_get_or_set("leaderboard", f"{period}", compute, tenant_id=tenant.pk)
    cache_bump("leaderboard", tenant_id=tenant.pk)     # in a service, after commit

Invalidation is by version bump, never by deleting keys: each namespace has a global version and a
version per tenant. A cached value carries the versions it was computed under and is a miss as soon
as either moved. Versions travel *inside* the value, not in its key, so a read is a single MGET of
(namespace version, tenant version, value) — one round trip — and the value of an old version is
simply overwritten by the next computation (bounded memory, nothing to scan).

A JSON value is decoded once per process and stored entry: when the MGET brings back exactly the
bytes decoded before, their decoded value is reused (decoded.py). Values handed out are read-only
(frozen.py), because that one decoded value is shared by every caller in the process.

Each value also carries a "fresh until" time: past it (but within the grace period) one process
takes a short lock and recomputes while the others keep serving the stale value; a cold key makes
the others wait briefly for the one computing it. When Redis fails, the breaker opens and reads go
straight to `compute` without paying a Redis timeout per request.
"""

import contextlib
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction

from apps.core.cache import codec
from apps.core.cache.breaker import CircuitBreaker
from apps.core.cache.decoded import decoded_copies
from apps.core.cache.frozen import freeze
from apps.core.cache.stats import stats
from apps.core.cache.store import CACHE_ERRORS, default_store

logger = logging.getLogger(__name__)
T = TypeVar("T")

breaker = CircuitBreaker(
    failure_threshold=settings.CACHE_BREAKER_FAILURE_THRESHOLD, reset_seconds=settings.CACHE_BREAKER_RESET_SECONDS
)


class CacheUnavailable(Exception):
    """Redis did not answer (after one jittered retry) or the breaker is open."""


class CacheMiss(Exception):
    """Inside `cache_only()`: the value is not cached and fresh, and computing it is not allowed here."""


_cache_only: ContextVar[bool] = ContextVar("cache_only", default=False)


@contextlib.contextmanager
def cache_only() -> Iterator[None]:
    """Within this block cache_get_or_set never computes (no query, no lock): it returns a fresh hit or
    raises CacheMiss. For code running on the event loop that must not touch the database (the
    conditional GET fast path, apps/core/middleware.py)."""
    token = _cache_only.set(True)
    try:
        yield
    finally:
        _cache_only.reset(token)


def _scope(tenant_id: int | None) -> str:
    return f"t{tenant_id}" if tenant_id is not None else "g"


def _names(namespace: str, key: str, tenant_id: int | None) -> tuple[str, str, str]:
    if namespace not in settings.CACHE_TTLS:
        raise KeyError(f"unknown cache namespace {namespace!r}; add it to CACHE_TTLS")
    return f"v:{namespace}", f"v:{namespace}:{_scope(tenant_id)}", f"c:{namespace}:{_scope(tenant_id)}:{key}"


def _call(operation: Callable[[], T], namespace: str) -> T:
    """Run one Redis operation through the breaker, retrying a transient error once with jitter."""
    if not breaker.allow():
        stats.record(namespace, "bypass")
        raise CacheUnavailable("circuit open")
    for attempt in (1, 2):
        try:
            result = operation()
        except CACHE_ERRORS as error:
            if attempt == 1:
                time.sleep((settings.CACHE_RETRY_BASE_MS + random.uniform(0, settings.CACHE_RETRY_JITTER_MS)) / 1000)  # noqa: S311
                continue
            breaker.record_failure()
            stats.record(namespace, "error")
            logger.warning("cache %s unavailable: %s (breaker %s)", namespace, type(error).__name__, breaker.state)
            raise CacheUnavailable(str(error)) from error
        breaker.record_success()
        return result
    raise AssertionError("unreachable")


def _version(global_version: Any, tenant_version: Any) -> str:
    """ "<global>.<tenant>" from the stored counters (bytes from Redis, ints from the local cache)."""
    if type(global_version) is bytes and type(tenant_version) is bytes:
        return f"{global_version.decode()}.{tenant_version.decode()}"
    return f"{_text(global_version) or 0}.{_text(tenant_version) or 0}"


def _text(value: Any) -> Any:
    return value.decode() if isinstance(value, bytes) else value


# An entry is bytes: MARK version SEP fresh-until-ms SEP body, the body being the codec's output
# (b"J..." or b"T...", see codec.py), b"B" + bytes or b"S" + UTF-8 text. Rendered API bodies are bytes
# and come back as a slice, not a parse of tens of kilobytes of JSON. Anything else (an entry of an
# older format, garbage) is a miss and gets overwritten.
_MARK = b"\x1d"
_SEPARATOR = b"\x1f"


def _encode_entry(version: str, fresh_until: float, data: Any) -> bytes:
    if isinstance(data, bytes):
        body = b"B" + data
    elif isinstance(data, str):
        body = b"S" + data.encode()
    else:
        body = codec.dumps(data)
    return b"".join((_MARK, version.encode(), _SEPARATOR, str(int(fresh_until * 1000)).encode(), _SEPARATOR, body))


def _read_entry(value_name: str, raw: Any, version: str) -> tuple[float, Any] | None:
    """(fresh until, value) of a stored entry of this version; None when it is absent, older or foreign.

    A JSON value is decoded once per process and stored entry (decoded.py), then shared, read-only.
    """
    if type(raw) is not bytes or not raw.startswith(_MARK + version.encode() + _SEPARATOR):
        return None
    known = decoded_copies.get(value_name, raw)
    if known is not None:
        return known
    entry = _parse_entry(raw, version)
    if entry is not None and not isinstance(entry[1], bytes | str):
        decoded_copies.put(value_name, raw, *entry)
    return entry


def _parse_entry(raw: Any, version: str) -> tuple[float, Any] | None:
    """(fresh until, value) parsed from a stored entry of this version (JSON values frozen, frozen.py)."""
    if not isinstance(raw, bytes) or not raw.startswith(_MARK + version.encode() + _SEPARATOR):
        return None
    start = len(version) + 2
    end = raw.find(_SEPARATOR, start)
    if end < 0:
        return None
    try:
        fresh_until = int(raw[start:end]) / 1000
        kind = raw[end + 1]
        if kind == 0x42:  # "B"
            return fresh_until, raw[end + 2 :]
        if kind == 0x53:  # "S"
            return fresh_until, str(memoryview(raw)[end + 2 :], "utf-8")
        return fresh_until, freeze(codec.loads(memoryview(raw)[end + 1 :]))
    except ValueError:
        return None


def _store_value(namespace: str, value_name: str, version: str, data: Any) -> None:
    ttl = settings.CACHE_TTLS[namespace]
    entry = _encode_entry(version, time.time() + ttl, data)
    store = default_store()
    _call(lambda: store.set(value_name, entry, ttl + settings.CACHE_STALE_GRACE_SECONDS), namespace)


def _compute_and_store(namespace: str, value_name: str, version: str, compute: Callable[[], T]) -> T:
    data = compute()
    with contextlib.suppress(CacheUnavailable):
        _store_value(namespace, value_name, version, data)
    return freeze(data)


def _dirty() -> set | None:
    """Namespaces this transaction has bumped (None outside a transaction).

    A value computed inside a transaction after it bumped a namespace may include uncommitted rows;
    it must not be stored, or a rollback would leave it cached under the new version. The set belongs
    to the outermost atomic block and is forgotten with it.
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return None
    outermost = connection.atomic_blocks[0]
    marker = getattr(connection, "_dbsbm_cache_dirty", None)
    if marker is None or marker[0] is not outermost:
        marker = (outermost, set())
        connection._dbsbm_cache_dirty = marker
    return marker[1]


def cache_is_dirty(namespaces: list[str], *, tenant_id: int | None = None) -> bool:
    """Has the current transaction bumped any of these namespaces (for this tenant or globally)?"""
    dirty = _dirty()
    return bool(dirty) and any((ns, tenant_id) in dirty or (ns, None) in dirty for ns in namespaces)


def cache_get_or_set(namespace: str, key: str, compute: Callable[[], T], *, tenant_id: int | None = None) -> T:
    """The cached value of `compute()` for this namespace, key and tenant; `compute` on any cache trouble."""
    if not settings.CACHE_ENABLED or cache_is_dirty([namespace], tenant_id=tenant_id):
        return _compute(compute)
    started = time.perf_counter()
    global_name, tenant_name, value_name = _names(namespace, key, tenant_id)
    store = default_store()
    try:
        global_version, tenant_version, raw = _call(
            lambda: store.mget([global_name, tenant_name, value_name]), namespace
        )
    except CacheUnavailable:
        return _compute(compute)
    if _lost_bumps:  # Redis answers again: first move the versions writes moved while it did not
        _replay_lost_bumps()
        return _compute(compute)
    version = _version(global_version, tenant_version)
    entry = _read_entry(value_name, raw, version)
    if entry is not None:
        fresh_until, data = entry
        if time.time() < fresh_until:
            stats.record(namespace, "hit", time.perf_counter() - started)
            return data
        if _cache_only.get():
            raise CacheMiss(value_name)
        return _refresh_stale(namespace, value_name, version, data, compute)
    if _cache_only.get():
        raise CacheMiss(value_name)
    stats.record(namespace, "miss", time.perf_counter() - started)
    return _fill_cold(namespace, value_name, version, compute)


def _compute(compute: Callable[[], T]) -> T:
    if _cache_only.get():
        raise CacheMiss("the cache cannot answer")
    return freeze(compute())


def _try_lock(namespace: str, value_name: str) -> bool:
    store = default_store()
    try:
        return _call(lambda: store.add(f"lock:{value_name}", "1", settings.CACHE_RECOMPUTE_LOCK_SECONDS), namespace)
    except CacheUnavailable:
        return True  # cannot coordinate: compute, as if no cache were there


def _unlock(namespace: str, value_name: str) -> None:
    store = default_store()
    with contextlib.suppress(CacheUnavailable):
        _call(lambda: store.delete(f"lock:{value_name}"), namespace)


def _refresh_stale(namespace: str, value_name: str, version: str, stale: T, compute: Callable[[], T]) -> T:
    if not _try_lock(namespace, value_name):
        stats.record(namespace, "stale")
        return stale  # someone else is recomputing; the stale value is good enough meanwhile
    stats.record(namespace, "refresh")
    try:
        return _compute_and_store(namespace, value_name, version, compute)
    finally:
        _unlock(namespace, value_name)


def _fill_cold(namespace: str, value_name: str, version: str, compute: Callable[[], T]) -> T:
    if _try_lock(namespace, value_name):
        try:
            return _compute_and_store(namespace, value_name, version, compute)
        finally:
            _unlock(namespace, value_name)
    deadline = time.monotonic() + settings.CACHE_STAMPEDE_WAIT_MS / 1000
    store = default_store()
    while time.monotonic() < deadline:
        time.sleep(0.02)
        try:
            (raw,) = _call(lambda: store.mget([value_name]), namespace)
        except CacheUnavailable:
            break
        if raw is not None and (entry := _read_entry(value_name, raw, version)) is not None:
            stats.record(namespace, "waited")
            return entry[1]
    return freeze(compute())  # the other process is slow: do not keep the request waiting any longer


def cache_bump(*namespaces: str, tenant_id: int | None = None) -> None:
    """Invalidate namespaces (for one tenant, or for everyone) by moving their versions.

    Bumped twice: at once, so that other processes stop serving the old value as early as possible,
    and again after commit, because a concurrent reader may have cached the pre-commit state under
    the first new version in between. Until the transaction ends, its own reads of these namespaces
    bypass the cache (see `_dirty`). A bump that cannot reach Redis is logged and kept, and replayed
    by this process's next read that reaches Redis.
    """
    for namespace in namespaces:
        _names(namespace, "", tenant_id)  # fail fast on a namespace that does not exist
    _bump_now(namespaces, tenant_id)
    dirty = _dirty()
    if dirty is not None:
        dirty.update((namespace, tenant_id) for namespace in namespaces)
        transaction.on_commit(lambda: _bump_now(namespaces, tenant_id))


# Bumps that did not reach Redis, as (namespace, tenant id): replayed by this process's next read that
# reaches Redis, so values cached before the write do not outlive an outage by their TTL.
_lost_bumps: set[tuple[str, int | None]] = set()
_lost_bumps_lock = threading.Lock()


def _bump_now(namespaces: tuple[str, ...] | list[str], tenant_id: int | None) -> None:
    store = default_store()
    now_ms = int(time.time() * 1000)
    for namespace in namespaces:
        version_name = f"v:{namespace}:{_scope(tenant_id)}" if tenant_id is not None else f"v:{namespace}"
        try:
            _call(lambda name=version_name: store.bump(name, f"m:{name}", now_ms), namespace)
        except CacheUnavailable:
            with _lost_bumps_lock:
                _lost_bumps.add((namespace, tenant_id))
            logger.warning("cache bump of %s failed: Redis unavailable; retried when it answers", version_name)


def lost_bumps_forget() -> None:
    """Drop the bumps waiting for Redis (tests: each starts with an empty cache)."""
    with _lost_bumps_lock:
        _lost_bumps.clear()


def _replay_lost_bumps() -> None:
    with _lost_bumps_lock:
        lost = list(_lost_bumps)
        _lost_bumps.clear()
    for namespace, tenant_id in lost:
        _bump_now([namespace], tenant_id)  # a failure puts it back
    logger.info("replayed %d cache bump(s) lost while Redis was unavailable", len(lost))


def cache_versions(namespaces: list[str], *, tenant_id: int | None = None) -> tuple[str, int] | None:
    """(combined version, last-modified ms) of namespaces, for ETags; None when the cache is unavailable."""
    if not settings.CACHE_ENABLED:
        return None
    names = []
    for namespace in namespaces:
        global_name, tenant_name, _ = _names(namespace, "", tenant_id)
        names += [global_name, tenant_name, f"m:{global_name}", f"m:{tenant_name}"]
    store = default_store()
    try:
        if _lost_bumps:
            _replay_lost_bumps()
        values = _call(lambda: store.mget(names), namespaces[0])
    except CacheUnavailable:
        return None
    versions = ";".join(_version(values[i], values[i + 1]) for i in range(0, len(values), 4))
    modified = max([int(value) for value in values[2::4] + values[3::4] if value is not None], default=0)
    return versions, modified
