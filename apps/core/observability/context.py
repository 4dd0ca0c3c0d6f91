"""The trace context of the work in progress: for log lines, the `traceparent` response header and the
outbox rows (a task published later continues the trace that asked for it).

With tracing on, it is the current OpenTelemetry span's. With tracing off there is no span, yet logs and
responses should still correlate: a request then gets a trace context of its own (the caller's trace id
when it sent a valid W3C `traceparent`, else a random one; a new span id; flags 00, "not recorded"), kept
in a context variable for the request's duration. It costs a few random bytes per request, no SDK.
"""

import contextlib
import re
import secrets
from contextvars import ContextVar
from typing import NamedTuple

from opentelemetry import trace

from apps.core.observability.tracing import tracing_is_installed

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
_INVALID_TRACE_ID = "0" * 32
_INVALID_SPAN_ID = "0" * 16


class TraceIds(NamedTuple):
    trace_id: str  # 32 lowercase hex digits, "" when there is no trace
    span_id: str  # 16 lowercase hex digits, "" when there is no trace
    is_sampled: bool = False

    @property
    def traceparent(self) -> str:
        """The W3C traceparent of this context ("" when there is none)."""
        if not self.trace_id:
            return ""
        return f"00-{self.trace_id}-{self.span_id}-{'01' if self.is_sampled else '00'}"


NO_TRACE = TraceIds("", "")
_fallback: ContextVar[TraceIds] = ContextVar("dbsbm_trace_ids", default=NO_TRACE)


def parse_traceparent(value: str | None) -> TraceIds | None:
    """The ids of a valid W3C traceparent (version 00), None for anything else."""
    match = _TRACEPARENT.match((value or "").strip().lower())
    if match is None or match[1] == _INVALID_TRACE_ID or match[2] == _INVALID_SPAN_ID:
        return None
    return TraceIds(match[1], match[2], bool(int(match[3], 16) & 1))


def current_trace_ids() -> TraceIds:
    """The ids of the current span (tracing on) or of the request's own context (off); NO_TRACE outside."""
    if tracing_is_installed():
        context = trace.get_current_span().get_span_context()
        if context.is_valid:
            trace_id, span_id = trace.format_trace_id(context.trace_id), trace.format_span_id(context.span_id)
            return TraceIds(trace_id, span_id, context.trace_flags.sampled)
    return _fallback.get()


def fallback_begin(incoming_traceparent: str | None):
    """Give the work starting now (a request, a task) a context of its own unless a span already carries
    one; returns the token for `fallback_end`, or None when nothing was set (a span is current, or the
    work is nested in one that has a context: an eager task inside a request)."""
    if _fallback.get().trace_id:
        return None
    if tracing_is_installed() and trace.get_current_span().get_span_context().is_valid:
        return None
    parent = parse_traceparent(incoming_traceparent)
    trace_id = parent.trace_id if parent else secrets.token_hex(16)
    return _fallback.set(TraceIds(trace_id, secrets.token_hex(8)))


def fallback_end(token) -> None:
    if token is not None:
        with contextlib.suppress(ValueError):  # a token of another context (reset elsewhere)
            _fallback.reset(token)


@contextlib.contextmanager
def continued_trace(traceparent: str):
    """Run the block as a child of `traceparent` (an outbox row's): the Celery instrumentation's publish
    span joins the original trace. Nothing happens without tracing or a valid traceparent."""
    if not traceparent or not tracing_is_installed() or parse_traceparent(traceparent) is None:
        yield
        return
    from opentelemetry import context as context_api  # noqa: PLC0415 - only with tracing on
    from opentelemetry.propagate import extract  # noqa: PLC0415 - only with tracing on

    token = context_api.attach(extract({"traceparent": traceparent}))
    try:
        yield
    finally:
        context_api.detach(token)
