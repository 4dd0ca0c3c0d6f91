"""Per-request (and per-task) query monitoring through database `execute_wrapper`s.

The wrapper only counts and times in memory: writing to the database from inside it would run
the wrapper again. Slow statements are aggregated per unit of work by fingerprint and flushed
after the unit is done (`slow_queries_flush`), one upsert per fingerprint with F() increments,
so concurrent processes add up instead of overwriting each other.
"""

import hashlib
import logging
import re
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, connections, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from apps.core.models import SlowQuery

logger = logging.getLogger(__name__)

HEADER = "X-DB-Queries"
_EXAMPLE_MAX_CHARS = 4000

_COMMENT = re.compile(r"/\*.*?\*/|--[^\n]*", re.DOTALL)
_STRING = re.compile(r"'(?:[^']|'')*'")
_PLACEHOLDER = re.compile(r"%\([^)]*\)s|%s|\$\d+|\?")
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:e[-+]?\d+)?\b", re.IGNORECASE)
_IN_LIST = re.compile(r"\bIN\s*\(\s*\?(?:\s*,\s*\?)*\s*\)", re.IGNORECASE)
_ROW = r"\((?:[^()]|\([^()]*\))*\)"  # a parenthesised row, one level of nesting inside
_VALUES = re.compile(rf"\bVALUES\s*{_ROW}(?:\s*,\s*{_ROW})*", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


def sql_normalize(sql: str) -> str:
    """The statement with comments dropped, literals and placeholders as `?`, IN lists and VALUES rows as `(...)`."""
    text = _COMMENT.sub(" ", sql)
    text = _STRING.sub("?", text)
    text = _PLACEHOLDER.sub("?", text)
    text = _NUMBER.sub("?", text)
    text = _IN_LIST.sub("IN (...)", text)
    text = _VALUES.sub("VALUES (...)", text)  # however many rows a bulk insert has
    return _SPACE.sub(" ", text).strip()


def sql_fingerprint(normalized_sql: str) -> str:
    return hashlib.sha256(normalized_sql.encode()).hexdigest()


@dataclass
class _SlowAggregate:
    normalized_sql: str
    example_sql: str
    database: str
    count: int = 0
    total_ms: float = 0.0
    max_ms: float = 0.0


@dataclass
class QueryRecorder:
    """An execute_wrapper: counts and times every statement; keeps the slow ones by fingerprint."""

    slow_threshold_ms: float
    database: str = "default"
    count: int = 0
    total_ms: float = 0.0
    slow: dict[str, _SlowAggregate] = field(default_factory=dict)

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            self.count += 1
            self.total_ms += elapsed_ms
            if elapsed_ms >= self.slow_threshold_ms:
                self._record_slow(sql, elapsed_ms, context)

    def _record_slow(self, sql, elapsed_ms: float, context) -> None:
        text = sql if isinstance(sql, str) else str(sql)
        normalized = sql_normalize(text)
        fingerprint = sql_fingerprint(normalized)
        aggregate = self.slow.get(fingerprint)
        if aggregate is None:
            database = context["connection"].alias if context and "connection" in context else self.database
            aggregate = self.slow[fingerprint] = _SlowAggregate(normalized, text[:_EXAMPLE_MAX_CHARS], database)
        aggregate.count += 1
        aggregate.total_ms += elapsed_ms
        aggregate.max_ms = max(aggregate.max_ms, elapsed_ms)

    def header_value(self) -> str:
        return f"{self.count}; time-ms={self.total_ms:.1f}"


_active = threading.local()


def query_monitor_active() -> bool:
    """Whether a unit of work of this thread is monitored already (an eager task inside a request)."""
    return getattr(_active, "depth", 0) > 0


class QueryMonitor:
    """Installs one recorder on every database connection of this thread for a unit of work."""

    def __init__(self) -> None:
        self.recorder = QueryRecorder(slow_threshold_ms=settings.SLOW_QUERY_THRESHOLD_MS)
        self._stack = ExitStack()

    def __enter__(self) -> QueryRecorder:
        for connection in connections.all(initialized_only=False):
            self._stack.enter_context(connection.execute_wrapper(self.recorder))
        _active.depth = getattr(_active, "depth", 0) + 1
        return self.recorder

    def __exit__(self, *exc_info) -> None:
        _active.depth -= 1
        self._stack.close()


def slow_queries_flush(*, recorder: QueryRecorder, source: str) -> None:
    """Add the unit's slow statements to their SlowQuery rows; a failure here never fails the unit."""
    if not recorder.slow:
        return
    now = timezone.now()
    for fingerprint, aggregate in recorder.slow.items():
        try:
            _slow_query_upsert(fingerprint=fingerprint, aggregate=aggregate, source=source[:200], now=now)
        except Exception:  # noqa: BLE001 - monitoring must not turn a served request into an error
            logger.exception("could not record slow query %s", fingerprint[:12])
    recorder.slow.clear()


def _slow_query_upsert(*, fingerprint: str, aggregate: _SlowAggregate, source: str, now) -> None:
    increments = {
        "count": F("count") + aggregate.count,
        "total_ms": F("total_ms") + aggregate.total_ms,
        "max_ms": Greatest(F("max_ms"), aggregate.max_ms),
        "last_seen_at": now,
        "last_source": source,
    }
    # the rows live in the default database, whichever database ran the statement
    rows = SlowQuery.objects
    if rows.filter(fingerprint=fingerprint).update(**increments):
        return
    try:
        with transaction.atomic():
            rows.create(
                fingerprint=fingerprint,
                normalized_sql=aggregate.normalized_sql,
                example_sql=aggregate.example_sql,
                database=aggregate.database,
                last_source=source,
                count=aggregate.count,
                total_ms=aggregate.total_ms,
                max_ms=aggregate.max_ms,
                first_seen_at=now,
                last_seen_at=now,
            )
    except IntegrityError:  # another process created the row since our update found none
        rows.filter(fingerprint=fingerprint).update(**increments)
