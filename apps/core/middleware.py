"""Request metrics, request id, query monitoring and memory monitoring of every request; the conditional GET
fast path.

The request id is taken from X-Request-ID only behind a trusted proxy (DBSBM_TRUSTED_PROXIES > 0) that
set a sane one; otherwise it is generated, so a client cannot plant ids in the audit trail.
"""

import io
import re
import time
import uuid
from collections import OrderedDict

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from corsheaders.middleware import CorsMiddleware
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest, get_script_prefix
from django.http import HttpResponseBase
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware
from django.middleware.locale import LocaleMiddleware
from django.middleware.security import SecurityMiddleware
from django.urls import get_resolver, resolve, set_script_prefix
from rest_framework.settings import api_settings

from apps.core.actors import client_ip
from apps.core.address_blocks import address_block_for
from apps.core.api.http_caching import if_none_match_hits, not_modified, versioned_etag
from apps.core.api.throttling import PRECOUNTED_ATTRIBUTE, RESULTS_ATTRIBUTE, CounterThrottle
from apps.core.cache import CacheMiss, cache_only
from apps.core.choices import ProcessKind
from apps.core.monitoring.memory import memory_maybe_snapshot, memory_snapshot_due
from apps.core.monitoring.queries import HEADER as QUERY_HEADER
from apps.core.monitoring.queries import QueryMonitor, slow_queries_flush
from apps.core.monitoring.requests import request_metrics
from apps.core.observability.middleware import response_observed

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestMetricsMiddleware:
    """Counts every answer per surface, route, tenant and status class, and times it (monitoring/requests.py).

    Outermost, so the time covers the whole stack and the answers other middleware give (the 304s of
    ConditionalGetMiddleware, refusals of blocked addresses) are counted too. Sync and async: under ASGI it
    runs on the event loop like the fast path behind it, adding no thread hop. The cost per request is two
    clock reads and an in-process counter update; the counts reach Redis in a flush every few seconds.
    """

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
        if not settings.REQUEST_METRICS_ENABLED:
            return self.get_response(request)
        started = time.perf_counter()
        response = self.get_response(request)
        request_metrics.record_request(request, response.status_code, time.perf_counter() - started)
        return response

    async def _async_call(self, request):
        if not settings.REQUEST_METRICS_ENABLED:
            return await self.get_response(request)
        started = time.perf_counter()
        response = await self.get_response(request)
        request_metrics.record_request(request, response.status_code, time.perf_counter() - started)
        return response


class RequestIdMiddleware:
    """Tags every request with an id (echoed in X-Request-ID) that audit events carry."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_for(request)
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
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


def request_id_for(request) -> str:
    """The request's id: a sane X-Request-ID a trusted proxy set, else a new one (kept on the request)."""
    request_id = getattr(request, "request_id", None)
    if request_id is None:
        incoming = request.META.get("HTTP_X_REQUEST_ID", "") if settings.DBSBM_TRUSTED_PROXIES > 0 else ""
        request_id = request.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
    return request_id


class ConditionalGetMiddleware:
    """Answers a conditional GET of a versioned API read with 304 before the rest of the stack runs.

    First in MIDDLEWARE and async: under uvicorn a 304 then costs no thread switch, no sync
    middleware, no DRF dispatch and no query (make bench: the full path spent most of a 304's CPU in
    Django, DRF and asgiref's thread hand-offs, and a quarter in the API-key query). It takes part only
    when it can give the very answer the view would give, using the view's own code:

    * a GET with If-None-Match on a DRF viewset action the view declares in `conditional_reads`
      ({action: [cache namespaces]}, the namespaces its `versioned_read` uses);
    * the authenticator accepts the key *quietly* (`authenticate_quietly`: valid, usable, nothing to
      write or report), the view's content negotiation, `check_permissions` (tenant → 404, scope →
      403) pass — all inside `cache_only()`, so nothing touches the database;
    * the ETag (`versioned_etag`, the view's formula) matches;
    * the view's throttles are counters (apps.core.api.throttling): they count the request here. If one
      refuses, the counts ride on the request into the full path, which answers the 429 without
      counting twice.

    Anything else — no or a refused key, an unknown tenant, a missing scope, a stale ETag, a cache miss,
    a memory snapshot due — goes down the full stack untouched, which refuses, reports and records as
    always. The 304 gets the headers the full stack would add (DRF's finalize_response with the
    RateLimit-* headers, X-Frame-Options, Content-Length, Content-Language, the query header, CORS (the
    tenant's own origins: the tenant is read from the cache only, a miss declines), X-Request-ID,
    SecurityMiddleware's); a test compares both paths' headers.
    """

    sync_capable = False
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.security = SecurityMiddleware(get_response)
        self.frame_options = XFrameOptionsMiddleware(get_response)
        self.common = CommonMiddleware(get_response)
        self.locale = LocaleMiddleware(get_response)
        self.cors = CorsMiddleware(get_response)
        markcoroutinefunction(self)

    async def __call__(self, request):
        if (
            request.method == "GET"
            and "HTTP_IF_NONE_MATCH" in request.META
            and settings.CONDITIONAL_GET_FAST_PATH
            and not getattr(request, "scope", {}).get(_CHECKED)  # ConditionalGetASGI tried already
        ):
            response = self.not_modified(request)
            if response is not None:
                return response
        return await self.get_response(request)

    def not_modified(self, request) -> HttpResponseBase | None:
        if memory_snapshot_due() or self.security.process_request(request) is not None:
            return None
        try:
            request.get_host()  # a disallowed host: the full stack answers 400
            match = _resolve(request.path_info)
        except Exception:  # noqa: BLE001 - whatever it is, the full stack reports it
            return None
        cls, actions = getattr(match.func, "cls", None), getattr(match.func, "actions", None)
        if cls is None or not actions or "format" in match.kwargs:
            return None
        namespaces = getattr(cls, "conditional_reads", {}).get(actions.get("get"))
        if not namespaces or api_settings.URL_FORMAT_OVERRIDE in request.GET:
            return None
        try:
            with cache_only():
                prepared = _prepare_view(cls, match, request)
                if prepared is None:
                    return None
                view, drf_request = prepared
                versioned = versioned_etag(
                    drf_request, namespaces=namespaces, tenant_id=getattr(getattr(view, "tenant", None), "pk", None)
                )
        except Exception:  # noqa: BLE001 - a refusal, a cache miss: the full stack answers
            return None
        if versioned is None or not if_none_match_hits(request, versioned[0]):
            return None
        if address_block_for(client_ip(request)) is not None:
            return None  # a blocked address: the full stack refuses it (apps.security.middleware)
        if not _count(view, drf_request, request):
            return None  # refused by a rate limit: the full stack answers 429 with these counts
        self.locale.process_request(request)  # the answer's language (Content-Language, Vary) as the full stack
        response = view.finalize_response(drf_request, not_modified(*versioned), *match.args, **match.kwargs)
        response.render()
        request.resolver_match = match  # the route the request metrics count it under
        return self.headers(request, response)

    def headers(self, request, response: HttpResponseBase) -> HttpResponseBase | None:
        """What the middlewares behind this one add to a response, innermost first (None: the tenant a CORS
        check needs is not in the cache; the full stack answers)."""
        response = self.frame_options.process_response(request, response)
        response = self.common.process_response(request, response)  # Content-Length
        response = self.locale.process_response(request, response)  # Content-Language, Vary: Accept-Language
        if settings.QUERY_MONITORING_ENABLED and settings.QUERY_COUNT_HEADER_ENABLED:
            response[QUERY_HEADER] = "0; time-ms=0.0"  # QueryMonitor.header_value of a request without queries
        try:
            with cache_only():  # the CORS check reads the tenant: from the cache, never the database here
                response = self.cors.add_response_headers(request, response)
        except CacheMiss:
            return None
        response["X-Request-ID"] = request_id_for(request)
        return self.security.process_response(request, response)


_RESOLVED: OrderedDict = OrderedDict()
_RESOLVED_MAX = 4096


def _resolve(path: str):
    """django.urls.resolve, remembered for the most recent paths (walking the API's routes costs more
    than the rest of a 304). Keyed by the resolver too, so a changed urlconf is a new key."""
    key = (get_resolver(), path)
    match = _RESOLVED.get(key)
    if match is None:
        match = resolve(path)
        _RESOLVED[key] = match
        if len(_RESOLVED) > _RESOLVED_MAX:
            _RESOLVED.popitem(last=False)
    return match


def _prepare_view(cls, match, request):
    """(view, DRF request) set up as dispatch and initial would, or None when the full path must answer."""
    view = cls(**match.func.initkwargs)
    actions = dict(match.func.actions)  # as ViewSetMixin.as_view's view() sets up the instance
    if "get" in actions and "head" not in actions:
        actions["head"] = actions["get"]
    view.action_map = actions
    for method, action in actions.items():
        setattr(view, method, getattr(view, action))
    view.args, view.kwargs, view.format_kwarg = match.args, match.kwargs, None
    drf_request = view.initialize_request(request, *match.args, **match.kwargs)
    view.request, view.headers = drf_request, view.default_response_headers
    for authenticator in drf_request.authenticators:
        quietly = getattr(authenticator, "authenticate_quietly", None)
        accepted = quietly(drf_request) if quietly is not None else None
        if accepted is not None:
            break
    else:
        return None
    drf_request._authenticator = authenticator
    drf_request.user, drf_request.auth = accepted
    drf_request.accepted_renderer, drf_request.accepted_media_type = view.perform_content_negotiation(drf_request)
    version = view.determine_version(drf_request, *match.args, **match.kwargs)
    drf_request.version, drf_request.versioning_scheme = version
    view.check_permissions(drf_request)  # 404 for a tenant the key may not see, 403 for a missing scope
    throttles = view.get_throttles()
    if not all(isinstance(throttle, CounterThrottle) for throttle in throttles):
        return None
    return view, drf_request


def _count(view, drf_request, request) -> bool:
    """Count the request against the view's throttles (as ApiViewSet.check_throttles); allowed?"""
    counted, allowed = {}, True
    for throttle in view.get_throttles():
        policy = throttle.policy(drf_request, view) if settings.RATELIMIT_ENABLED else None
        allowed = throttle.allow_request(drf_request, view) and allowed
        if policy is not None and throttle.result is not None:
            counted[(throttle.scope, policy[0])] = throttle.result
    if not allowed:
        setattr(request, PRECOUNTED_ATTRIBUTE, counted)
        setattr(request, RESULTS_ATTRIBUTE, [])
        if hasattr(request, "scope"):  # ConditionalGetASGI: Django builds a new request from this scope
            request.scope[PRECOUNTED_ATTRIBUTE] = counted
    return allowed


_CHECKED = "dbsbm.conditional_get_checked"


class ConditionalGetASGI:
    """The same fast path one step earlier, around Django's ASGI handler (dbsbm/asgi.py).

    Inside Django even a middleware answer pays the handler's request_started/request_finished
    signals, each a hand-off to a new per-request thread (asgiref's ThreadSensitiveContext) — about as
    much CPU as the whole 304. The fast path touches no database, so no connection needs the signals'
    care; it answers here, and marks what it declined so ConditionalGetMiddleware does not try again.
    """

    def __init__(self, application) -> None:
        self.application = application
        self.middleware = ConditionalGetMiddleware(get_response=_declined)

    async def __call__(self, scope, receive, send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "GET"
            and settings.CONDITIONAL_GET_FAST_PATH
            and any(name == b"if-none-match" for name, _ in scope["headers"])
        ):
            started = time.perf_counter()
            scope = {**scope, _CHECKED: True}
            set_script_prefix(get_script_prefix(scope))
            request = ASGIRequest(scope, io.BytesIO())
            response = self.middleware.not_modified(request)
            if response is not None:
                seconds = time.perf_counter() - started
                response_observed(request, response, seconds)  # traceparent (set before sending), by status
                await self.application.send_response(response, send)  # Django's ASGIHandler
                if settings.REQUEST_METRICS_ENABLED:  # counted here: Django's middleware never saw it
                    request_metrics.record_request(request, response.status_code, seconds)
                return
        await self.application(scope, receive, send)


async def _declined(request) -> None:
    raise AssertionError("ConditionalGetASGI passes declined requests to Django itself")
