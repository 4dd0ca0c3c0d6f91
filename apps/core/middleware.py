"""Request id, query monitoring and memory monitoring of every request.

The request id is taken from X-Request-ID when a trusted proxy set a sane one, else generated.
"""

import re
import uuid

from django.conf import settings

from apps.core.choices import ProcessKind
from apps.core.memory import memory_maybe_snapshot
from apps.core.query_monitoring import HEADER as QUERY_HEADER
from apps.core.query_monitoring import QueryMonitor, slow_queries_flush

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Tags every request with an id (echoed in X-Request-ID) that audit events carry."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


class QueryMonitorMiddleware:
    """Counts and times the request's queries; slow ones are aggregated by fingerprint.

    With QUERY_COUNT_HEADER_ENABLED the response says `X-DB-Queries: <count>; time-ms=<total>`.
    The slow statements are written once the view has answered and the wrapper is gone, so the
    monitoring writes are neither recorded by it nor counted in the header.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.QUERY_MONITORING_ENABLED:
            return self.get_response(request)
        with QueryMonitor() as recorder:
            response = self.get_response(request)
        if settings.QUERY_COUNT_HEADER_ENABLED:
            response[QUERY_HEADER] = recorder.header_value()
        slow_queries_flush(recorder=recorder, source=f"{request.method} {request.path}")
        return response


class MemoryMonitorMiddleware:
    """After a response, snapshot this web process's memory if MEMORY_SNAPSHOT_INTERVAL_SECONDS passed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        memory_maybe_snapshot(kind=ProcessKind.WEB)
        return response
