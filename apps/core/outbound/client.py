"""Every outbound HTTP request goes through `outbound_request` (balanced.py builds on it for upstreams with
several endpoints).

In order, for each request:
1. the upstream's circuit breaker (breaker.py): open → `CircuitOpen` at once, no DNS lookup, no connection;
2. the SSRF guard (ssrf.py): the host is resolved once and every address checked;
3. the connection is PINNED to a checked address: urllib3 connects to the IP itself, while the Host header,
   TLS SNI and certificate verification use the host name. Nothing resolves the name a second time, so a
   DNS answer that changes between check and connect (DNS rebinding) cannot redirect the call;
4. short time-outs, no redirects (a 3xx is returned as is: following it would skip the guard), the answer
   read up to `OUTBOUND_MAX_RESPONSE_BYTES`;
5. the outcome goes back to the breaker: unreachable, time-out, over-long answer or 5xx count as failures.

Connections are kept alive and reused (keepalive.py), but only by a later request whose own resolution and
check gave the same address: the check and the pinning happen on every request as before.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError, ReadTimeoutError, SSLError
from urllib3.exceptions import HTTPError as Urllib3Error

from apps.core.outbound.breaker import SharedCircuitBreaker, breakers
from apps.core.outbound.errors import OutboundError
from apps.core.outbound.keepalive import kept_connections
from apps.core.outbound.ssrf import OutboundBlocked, resolve_checked, url_parts

logger = logging.getLogger(__name__)
USER_AGENT = "DBSBM-Outbound/1"


@dataclass(frozen=True)
class OutboundResponse:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    address: str = ""  # the IP the connection went to
    elapsed_ms: float = 0.0
    url: str = ""  # the URL requested (relative links in the answer are relative to it)


Timeout = float | tuple[float, float] | None


def _timeout(timeout: Timeout) -> urllib3.Timeout:
    if timeout is None:
        connect, read = settings.OUTBOUND_CONNECT_TIMEOUT_MS / 1000, settings.OUTBOUND_READ_TIMEOUT_MS / 1000
    elif isinstance(timeout, tuple):
        connect, read = timeout
    else:
        connect = read = timeout
    return urllib3.Timeout(connect=connect, read=read)


def failure_kind(error: Exception) -> str:
    """The name requests would give this failure (callers and delivery logs keep their wording)."""
    if isinstance(error, ConnectTimeoutError) and not isinstance(error, NewConnectionError):
        return "ConnectTimeout"
    if isinstance(error, ReadTimeoutError | TimeoutError):
        return "ReadTimeout"
    if isinstance(error, SSLError):
        return "SSLError"
    return "ConnectionError"


def default_upstream(url: str) -> str:
    """scheme://host:port: the breaker's name for an upstream nobody named."""
    scheme, host, port = url_parts(url)
    return f"{scheme}://{host}:{port}"


def _host_header(scheme: str, host: str, port: int) -> str:
    name = f"[{host}]" if ":" in host else host
    return name if port == (443 if scheme == "https" else 80) else f"{name}:{port}"


def _target(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _read_bounded(response) -> bytes:
    """The whole answer, up to OUTBOUND_MAX_RESPONSE_BYTES; over that the connection is closed (its unread rest
    must not become the next request's answer)."""
    limit = settings.OUTBOUND_MAX_RESPONSE_BYTES
    body = response.read(limit + 1, decode_content=True)
    if len(body) > limit:
        response.close()
        raise OutboundError(f"The answer is larger than {limit} bytes.", status=response.status)
    return body


def _send(method: str, url: str, *, headers: dict[str, str], body: bytes | None, timeout: urllib3.Timeout):
    """Resolve and check once, then connect to the checked addresses in turn (only a refused connection moves
    on to the next; anything later is this request's outcome), reusing a kept connection to that address."""
    scheme, host, port = url_parts(url)
    addresses = resolve_checked(url)
    headers = {"User-Agent": USER_AGENT, **headers, "Host": _host_header(scheme, host, port)}
    for position, address in enumerate(addresses):
        pool, kept = kept_connections.pool(scheme, host, address, port)
        try:
            response = pool.urlopen(
                method, _target(url), body=body, headers=headers, redirect=False, retries=False, timeout=timeout,
                preload_content=False, assert_same_host=False,
            )  # fmt: skip
            try:
                return response, _read_bounded(response), str(address)
            finally:
                response.release_conn()  # back to the pool: kept when the answer was read whole, else closed
        except NewConnectionError:
            if position == len(addresses) - 1:
                raise
        finally:
            if not kept:
                pool.close()
    raise AssertionError("unreachable")


def outbound_request(
    method: str,
    url: str,
    *,
    upstream: str | None = None,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout: Timeout = None,
    check: Callable[[OutboundResponse], None] | None = None,
    breaker: SharedCircuitBreaker = breakers,
) -> OutboundResponse:
    """One guarded request. Raises OutboundBlocked (SSRF guard), CircuitOpen (no call made) or OutboundError
    (unreachable, time-out, over-long answer); any HTTP status is returned, 5xx also counting as a failure.
    `timeout`: seconds for the connect and for each read, or (connect, read) as in requests; default: the
    OUTBOUND_CONNECT_TIMEOUT_MS / OUTBOUND_READ_TIMEOUT_MS settings. `check(response)` may raise
    OutboundError for an answer the caller cannot use (a feed's garbage): it then counts as a failure too."""
    upstream = upstream or default_upstream(url)
    permit = breaker.acquire(upstream)
    started = time.monotonic()
    try:
        response, content, address = _send(method, url, headers=headers or {}, body=body, timeout=_timeout(timeout))
    except OutboundBlocked:
        breaker.record(permit, is_success=True)  # our refusal says nothing about the upstream's health
        raise
    except OutboundError:
        breaker.record(permit, is_success=False)
        raise
    except (Urllib3Error, OSError) as error:
        breaker.record(permit, is_success=False)
        kind = failure_kind(error)
        logger.info("outbound %s %s failed: %s (%s)", method, upstream, kind, type(error).__name__)
        raise OutboundError(f"{upstream}: {kind}: unreachable or no answer in time", kind=kind) from error
    result = OutboundResponse(
        status=response.status,
        body=content,
        headers={name.lower(): value for name, value in response.headers.items()},
        address=address,
        elapsed_ms=(time.monotonic() - started) * 1000,
        url=url,
    )
    try:
        if check is not None:
            check(result)
    except OutboundError:
        breaker.record(permit, is_success=False)
        raise
    breaker.record(permit, is_success=result.status < 500)
    return result
