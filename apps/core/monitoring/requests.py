"""Request metrics: every answer counted per surface, route, tenant and status class, with a latency histogram.

Counted in process and flushed to one Redis hash every REQUEST_METRICS_FLUSH_SECONDS, as the cache
statistics are (apps/core/cache/stats.py): a request costs a lock and a few dictionary updates, never a
round trip. The hash holds running totals across all processes (Prometheus counters read them as they
are, apps/core/cache/views.py); the analytics sampler turns them into per-minute deltas.

What a request is counted under:

* surface: api (/api/), portal (/portal/), admin (/admin/) or other; static files are not counted;
* route: the resolved URL pattern's name (`v1:bet-list`), never the raw path, so the number of series is
  the number of routes; a path no pattern matched is `(unmatched)`;
* tenant: the guild id the view resolved (`request_tenant_mark`, called by the tenant-scoped API views),
  else the `guild_id` of the URL when the answer was a success. A refused request for a guild nobody
  checked (401, 404) is counted without a tenant: probing random guild ids cannot grow the hash;
* status class: 2xx … 5xx;
* latency: a fixed histogram (LATENCY_BOUNDS_MS, Prometheus' default buckets in milliseconds, plus +Inf)
  and the sum, so a percentile can be estimated from any sum of histograms.

The hash's fields are `<surface>|<route>|<tenant>|<counter>` with counter `c2xx`…`c5xx`, `us` (latency sum
in microseconds) and `le<i>` (requests in histogram bucket i); only buckets that were hit are written.

API usage per key (issue #15, API management): an API request that an API key authenticated is counted a
second time, per UTC day, tenant, key and route, in one hash per day (`telemetry:usage:<YYYY-MM-DD>`, fields
`<tenant>|<key id>|<route>|<counter>`, the same counters). These hashes hold the day's running totals: the
integration app's beat task folds them into daily rows (ApiUsageDay) by writing the totals, so a fold run
twice writes the same rows, and deletes a day's hash once the day is long over. Kept apart from the hash
above, whose series the sampler and Prometheus read as they are: a key dimension there would multiply them.
"""

import threading
import time
from bisect import bisect_left
from collections import defaultdict
from datetime import UTC, datetime
from typing import NamedTuple

from django.conf import settings

from apps.core.cache.breaker import OPEN
from apps.core.cache.manager import breaker
from apps.core.cache.store import CACHE_ERRORS, COUNTER_EPOCH_FIELD, default_store

REQUESTS_HASH = "telemetry:requests"
# Upper bounds (ms) of the histogram's buckets; one more bucket (+Inf) holds the slower requests. Fixed:
# stored samples are lists of counts in this order, so changing it needs a data migration of the samples.
LATENCY_BOUNDS_MS = (5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)
UNMATCHED_ROUTE = "(unmatched)"
STATUS_CLASSES = ("c1xx", "c2xx", "c3xx", "c4xx", "c5xx")
LATENCY_SUM_FIELD = "us"
SEPARATOR = "|"
TENANT_ATTRIBUTE = "telemetry_guild_id"
API_KEY_ATTRIBUTE = "api_key"  # set on the Django request by the API key authentication (accounts)
USAGE_HASH_PREFIX = "telemetry:usage:"


class SeriesKey(NamedTuple):  # a tuple: cheap to build and hash once per request
    surface: str
    route: str
    tenant: str  # guild id, "" when the request names none (or none that was checked)


class UsageKey(NamedTuple):
    """One row of API usage: a UTC day, the tenant the request was for ("" none), the key's id, the route."""

    day: str
    tenant: str
    api_key: str
    route: str


def usage_hash(day: str) -> str:
    """The Redis hash of one UTC day's usage per key (`day` in ISO format)."""
    return f"{USAGE_HASH_PREFIX}{day}"


def bucket_field(index: int) -> str:
    return f"le{index}"


_BUCKET_FIELDS = tuple(bucket_field(index) for index in range(len(LATENCY_BOUNDS_MS) + 1))
# status // 100 → its counter (anything outside 1…5 is counted with the nearest class)
_STATUS_FIELDS = ("c1xx", *STATUS_CLASSES, "c5xx", "c5xx", "c5xx", "c5xx", "c5xx")


def latency_bucket(milliseconds: float) -> int:
    """The histogram bucket of a latency: the first bound it does not exceed (len(bounds): +Inf)."""
    return bisect_left(LATENCY_BOUNDS_MS, milliseconds)


def request_tenant_mark(request, guild_id: str) -> None:
    """Name the tenant a view resolved for this request (a DRF request or Django's own)."""
    setattr(getattr(request, "_request", request), TENANT_ATTRIBUTE, str(guild_id))


def surface_of(path: str) -> str | None:
    """Which surface a path belongs to; None for static files (not counted)."""
    if path.startswith("/api/"):
        return "api"
    if path.startswith("/portal/"):
        return "portal"
    if path.startswith("/admin/"):
        return "admin"
    if path.startswith(settings.STATIC_URL):
        return None
    return "other"


def series_of(request, status: int) -> SeriesKey | None:
    """The series a request is counted under (None: not counted)."""
    surface = surface_of(request.path_info)
    if surface is None:
        return None
    match = getattr(request, "resolver_match", None)
    route = (match.view_name or match.route or UNMATCHED_ROUTE) if match is not None else UNMATCHED_ROUTE
    tenant = request.__dict__.get(TENANT_ATTRIBUTE, "")
    if not tenant and match is not None and status < 400:
        tenant = str(match.kwargs.get("guild_id", ""))
    return SeriesKey(surface, route, tenant)


def field_name(key: SeriesKey, counter: str) -> str:
    return SEPARATOR.join((key.surface, key.route, key.tenant, counter))


def parse_field(field: str) -> tuple[SeriesKey, str] | None:
    """(series, counter) of a hash field; None for the hash's own fields (its epoch)."""
    surface, _, rest = field.partition(SEPARATOR)
    parts = rest.rsplit(SEPARATOR, 2)  # a route pattern (re_path) may hold the separator; the others never
    if len(parts) != 3:
        return None
    route, tenant, counter = parts
    return SeriesKey(surface=surface, route=route, tenant=tenant), counter


def _flat(pending: dict[SeriesKey, dict[str, int]]) -> dict[str, int]:
    return {
        field_name(key, counter): amount for key, counters in pending.items() for counter, amount in counters.items()
    }


def usage_field(key: UsageKey, counter: str) -> str:
    return SEPARATOR.join((key.tenant, key.api_key, key.route, counter))


def parse_usage_field(day: str, field: str) -> tuple[UsageKey, str] | None:
    """(usage key, counter) of a field of a day's usage hash; None for the hash's epoch."""
    tenant, _, rest = field.partition(SEPARATOR)
    api_key, _, rest = rest.partition(SEPARATOR)
    route, separator, counter = rest.rpartition(SEPARATOR)
    if not separator or not api_key:
        return None
    return UsageKey(day=day, tenant=tenant, api_key=api_key, route=route), counter


def _usage_by_day(pending: dict[UsageKey, dict[str, int]]) -> dict[str, dict[str, int]]:
    by_day: dict[str, dict[str, int]] = defaultdict(dict)
    for key, counters in pending.items():
        for counter, amount in counters.items():
            by_day[key.day][usage_field(key, counter)] = amount
    return by_day


def _pending_counts():
    return defaultdict(lambda: defaultdict(int))


def _add_request(counters: dict[str, int], status_class: str, microseconds: int, bucket: str) -> None:
    counters[status_class] += 1
    counters[LATENCY_SUM_FIELD] += microseconds
    counters[bucket] += 1


class RequestMetrics:
    """This process's counts not yet in Redis, and the flush that adds them there."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[SeriesKey, dict[str, int]] = _pending_counts()
        self._usage: dict[UsageKey, dict[str, int]] = _pending_counts()
        self._last_flush = time.monotonic()

    def record(self, key: SeriesKey, status: int, seconds: float, *, api_key_id: int | None = None) -> None:
        """Count one request of a series; with `api_key_id` (an API request a key authenticated) also its
        usage per day and key."""
        status_class = _STATUS_FIELDS[status // 100] if 0 <= status < 1000 else "c5xx"
        bucket = _BUCKET_FIELDS[bisect_left(LATENCY_BOUNDS_MS, seconds * 1000)]
        microseconds = int(seconds * 1_000_000)
        usage_key = None
        if api_key_id is not None:
            day = datetime.now(UTC).date().isoformat()
            usage_key = UsageKey(day, key.tenant, str(api_key_id), key.route)
        with self._lock:
            _add_request(self._pending[key], status_class, microseconds, bucket)
            if usage_key is not None:
                _add_request(self._usage[usage_key], status_class, microseconds, bucket)
            due = time.monotonic() - self._last_flush >= settings.REQUEST_METRICS_FLUSH_SECONDS
        if due:
            self.flush()

    def record_request(self, request, status: int, seconds: float) -> None:
        """Count one answered request (the middleware's and the ASGI fast path's call)."""
        key = series_of(request, status)
        if key is None:
            return
        api_key = request.__dict__.get(API_KEY_ATTRIBUTE) if key.surface == "api" else None
        self.record(key, status, seconds, api_key_id=getattr(api_key, "pk", None))

    def flush(self) -> None:
        """Add the pending counts to Redis; with Redis down they stay pending for the next flush."""
        with self._lock:
            pending, self._pending = self._pending, _pending_counts()
            usage, self._usage = self._usage, _pending_counts()
            self._last_flush = time.monotonic()
        if not pending and not usage:
            return
        if breaker.state != OPEN:
            try:
                store = default_store()
                if pending:
                    store.add_counters(REQUESTS_HASH, _flat(pending))
                    pending = {}
                for day, counters in _usage_by_day(usage).items():
                    store.add_counters(usage_hash(day), counters)
                    usage = {key: value for key, value in usage.items() if key.day != day}
                return
            except CACHE_ERRORS:
                pass  # best effort: the cache's breaker is told by real reads, not by this
        self._restore(self._pending, pending)
        self._restore(self._usage, usage)

    def _restore(self, into: dict, pending: dict) -> None:
        with self._lock:
            for key, counters in pending.items():
                for counter, amount in counters.items():
                    into[key][counter] += amount

    def reset(self) -> None:
        """Forget this process's unflushed counts (tests start from zero)."""
        with self._lock:
            self._pending = _pending_counts()
            self._usage = _pending_counts()

    def pending(self) -> dict[str, int]:
        with self._lock:
            return _flat(self._pending)


request_metrics = RequestMetrics()


def request_totals() -> dict[str, int]:
    """The running totals every process flushed, by hash field, with the hash's epoch (it changes when the
    hash was lost and started again). Raises CACHE_ERRORS when Redis cannot be read."""
    return default_store().read_counters(REQUESTS_HASH)


def request_series(totals: dict[str, int]) -> dict[SeriesKey, dict[str, int]]:
    """The hash's fields grouped by series (the epoch left out)."""
    series: dict[SeriesKey, dict[str, int]] = defaultdict(dict)
    for field, amount in totals.items():
        if field == COUNTER_EPOCH_FIELD:
            continue
        parsed = parse_field(field)
        if parsed is not None:
            key, counter = parsed
            series[key][counter] = amount
    return dict(series)


def usage_totals(day: str) -> dict[str, int]:
    """One UTC day's usage per key as every process flushed it (running totals by hash field, epoch
    included). Raises CACHE_ERRORS when Redis cannot be read."""
    return default_store().read_counters(usage_hash(day))


def usage_series(day: str, totals: dict[str, int]) -> dict[UsageKey, dict[str, int]]:
    """A day hash's fields grouped by usage key (the epoch left out)."""
    series: dict[UsageKey, dict[str, int]] = defaultdict(dict)
    for field, amount in totals.items():
        if field == COUNTER_EPOCH_FIELD:
            continue
        parsed = parse_usage_field(day, field)
        if parsed is not None:
            key, counter = parsed
            series[key][counter] = amount
    return dict(series)


def usage_forget(day: str) -> None:
    """Delete a day's usage hash (its day is folded for good)."""
    default_store().delete(usage_hash(day))
