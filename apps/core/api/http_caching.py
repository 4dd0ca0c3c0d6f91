"""HTTP caching of API reads: ETags from cache versions, 304s before any query, cached bodies.

A list's ETag is a hash of the cache versions of the namespaces it depends on (one Redis round
trip), the path and the query, so `If-None-Match` is answered 304 without running the list query or
rendering anything. On a miss the rendered body is cached under that ETag, so the next plain GET of
the same page costs no query either, and no parsing or rendering: the body is kept as the bytes
the renderer produced and sent as they are (make bench: decoding a 50-bet page back into Python objects
and rendering it again was about a fifth of a cached answer's CPU). A single object's ETag comes from
its own row (`etag_for`), and a write that sends a stale `If-Match` gets 412 Precondition Failed
before anything changes.
"""

import hashlib
from collections.abc import Callable
from email.utils import formatdate

from django.http import HttpResponse
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.cache import cache_get_or_set, cache_is_dirty, cache_versions
from apps.core.errors import error_body

CACHE_CONTROL = "private, no-cache"  # clients may keep it, but must revalidate every time


def etag_for(*parts: object) -> str:
    """A strong ETag over the given parts (a row's id and update time, or versions and a URL)."""
    digest = hashlib.sha256("|".join(str(part) for part in parts).encode()).hexdigest()[:32]
    return f'"{digest}"'


def _matches(header: str, etag: str) -> bool:
    candidates = [candidate.strip() for candidate in header.split(",")]
    return "*" in candidates or etag in candidates


def caching_headers(response: Response, etag: str, last_modified_ms: int | None = None) -> Response:
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    response["Vary"] = "Authorization, Accept"
    if last_modified_ms:
        response["Last-Modified"] = formatdate(last_modified_ms / 1000, usegmt=True)
    return response


def not_modified(etag: str, last_modified_ms: int | None = None) -> Response:
    return caching_headers(Response(status=status.HTTP_304_NOT_MODIFIED), etag, last_modified_ms)


def precondition_failed(current_etag: str) -> Response:
    body = error_body(
        "precondition_failed",
        "The resource changed since you read it (If-Match does not match its current ETag); read it again.",
    )
    response = Response(body, status=status.HTTP_412_PRECONDITION_FAILED)
    response["ETag"] = current_etag
    return response


def check_if_match(request: Request, current_etag: str) -> Response | None:
    """412 when the client sent If-Match and it is stale; None to go ahead."""
    header = request.headers.get("If-Match")
    if header and not _matches(header, current_etag):
        return precondition_failed(current_etag)
    return None


def versioned_etag(
    request: Request, *, namespaces: list[str], tenant_id: int | None, identity: str | None = None
) -> tuple[str, int] | None:
    """(ETag, last modified ms) of a versioned read; None when the cache cannot say.

    The one formula for both the view (`versioned_read`) and the conditional GET fast path
    (apps/core/middleware.py): the namespaces' versions, the tenant, what is read and the media type.
    What is read is the full path, or `identity` when the view normalizes its parameters (the same
    answer for spellings of one question; a default that moves, like "the last 30 days", resolved).
    """
    versions = cache_versions(namespaces, tenant_id=tenant_id)
    if versions is None:
        return None
    version, last_modified_ms = versions
    read = identity if identity is not None else request.get_full_path()
    return etag_for(version, tenant_id, read, request.accepted_media_type), last_modified_ms


def if_none_match_hits(request, etag: str) -> bool:
    header = request.headers.get("If-None-Match")
    return bool(header) and _matches(header, etag)


def versioned_read(
    request: Request,
    *,
    namespaces: list[str],
    tenant_id: int | None,
    render: Callable[[], Response],
    identity: str | None = None,
) -> HttpResponse:
    """Answer a read from its cache versions: 304, a cached body, or `render()` (then cached)."""
    if cache_is_dirty(namespaces, tenant_id=tenant_id):
        return render()  # this transaction changed the data: nothing of it may be cached yet
    versioned = versioned_etag(request, namespaces=namespaces, tenant_id=tenant_id, identity=identity)
    if versioned is None:  # the cache is unavailable: answer from the database, uncached
        return render()
    etag, last_modified_ms = versioned
    if if_none_match_hits(request, etag):
        return not_modified(etag, last_modified_ms)

    renderer = request.accepted_renderer

    def body() -> bytes:
        response = render()
        if response.status_code != status.HTTP_200_OK:
            raise _Uncacheable(response)
        return renderer.render(response.data, request.accepted_media_type, {"request": request})

    try:
        cached = cache_get_or_set("api", "body:" + etag.strip('"'), body, tenant_id=tenant_id)
    except _Uncacheable as uncacheable:
        return uncacheable.response
    response = HttpResponse(cached, content_type=_content_type(renderer))
    return caching_headers(response, etag, last_modified_ms)


def _content_type(renderer) -> str:
    return f"{renderer.media_type}; charset={renderer.charset}" if renderer.charset else renderer.media_type


class _Uncacheable(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response
