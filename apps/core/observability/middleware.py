"""One middleware for what observability needs of every request: the `traceparent` response header, the
trace context log lines carry, and the latency histogram by route and status (counters.py).

Second in MIDDLEWARE, right inside RequestMetricsMiddleware: its time covers nearly the whole stack and
the 304s of ConditionalGetMiddleware get the header too. With tracing on, OpenTelemetry's Django
middleware is first of all (the instrumentation inserts it), so the request's span is current here and
the header names it; with tracing off the request gets a context of its own (context.py). Sync and
async, like RequestMetricsMiddleware, so it adds no thread hop under ASGI.
"""

import time

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from opentelemetry import trace

from apps.core.monitoring.requests import series_of
from apps.core.observability.context import current_trace_ids, fallback_begin, fallback_end
from apps.core.observability.counters import http_responses
from apps.core.observability.log_records import TRACE_IDS_ATTRIBUTE
from apps.core.observability.tracing import tracing_is_installed

TRACEPARENT_HEADER = "traceparent"


def response_observed(request, response, seconds: float) -> None:
    """Set the traceparent header and count the answer (also the ASGI fast path's call, which no
    middleware gave a context: it gets one here, the caller's trace id continued if it sent one)."""
    if tracing_is_installed():
        _span_named_after_route(request)
    ids = current_trace_ids()
    if not ids.trace_id:
        token = fallback_begin(request.META.get("HTTP_TRACEPARENT"))
        ids = current_trace_ids()
        fallback_end(token)
    response[TRACEPARENT_HEADER] = ids.traceparent
    # kept for django.request's own "Not Found: …" lines, which Django writes after the whole middleware
    # chain has returned (BaseHandler.get_response), when no context is current any more
    setattr(request, TRACE_IDS_ATTRIBUTE, ids)
    key = series_of(request, response.status_code)
    if key is not None:
        http_responses.observe((key.surface, key.route, str(response.status_code)), seconds)


def _span_named_after_route(request) -> None:
    """The ASGI server span is named after the method only (the path would make one name per bet id):
    name it after the URL pattern now that it is resolved, as the Django instrumentation does."""
    span = trace.get_current_span()
    match = getattr(request, "resolver_match", None)
    if span.is_recording() and match is not None and match.route:
        span.update_name(f"{request.method} {match.route}")
        span.set_attribute("http.route", match.route)


class RequestObservabilityMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.is_async:
            return self._async_call(request)
        started = time.perf_counter()
        token = fallback_begin(request.META.get("HTTP_TRACEPARENT"))
        try:
            response = self.get_response(request)
            response_observed(request, response, time.perf_counter() - started)
        finally:
            fallback_end(token)
        return response

    async def _async_call(self, request):
        started = time.perf_counter()
        token = fallback_begin(request.META.get("HTTP_TRACEPARENT"))
        try:
            response = await self.get_response(request)
            response_observed(request, response, time.perf_counter() - started)
        finally:
            fallback_end(token)
        return response
