"""Calls to Discord's HTTP API (follow-ups of deferred commands, command registration), SSRF-guarded.

`apps.core.outbound` does not offer a generic `outbound_request` on this branch yet (issue #15, the outbound
helper builds it), so the call is made here with urllib3 (requests' own transport), after
`resolve_checked`, on a connection pinned to the address that was checked (the host name is not resolved a
second time: no DNS rebinding), with TLS verified against the host name. No redirects, no retries inside:
the caller decides (the outbox retries a follow-up that failed transiently).
"""

import json
import logging
from urllib.parse import urlsplit

import certifi
import urllib3
from django.conf import settings

from apps.core.outbound.ssrf import resolve_checked, url_parts

logger = logging.getLogger(__name__)
USER_AGENT = "DiscordBot (https://github.com/dbsbm/portal, 1.0) dbsbm-portal"


class DiscordUnavailable(Exception):
    """Discord could not be reached or answered 429/5xx: worth another attempt later."""


def _pool(scheme: str, host: str, port: int, address: str) -> urllib3.HTTPConnectionPool:
    timeout = urllib3.Timeout(connect=settings.DISCORD_HTTP_CONNECT_TIMEOUT, read=settings.DISCORD_HTTP_READ_TIMEOUT)
    if scheme == "https":
        return urllib3.HTTPSConnectionPool(
            address, port, timeout=timeout, retries=False, server_hostname=host, assert_hostname=host,
            cert_reqs="CERT_REQUIRED", ca_certs=certifi.where(),
        )  # fmt: skip
    return urllib3.HTTPConnectionPool(address, port, timeout=timeout, retries=False)


def discord_request(
    method: str, url: str, *, body: object, headers: dict[str, str] | None = None
) -> tuple[int, object]:
    """Send `body` as JSON to `url` once; (status, the decoded JSON answer or None).

    Raises OutboundBlocked for a URL the SSRF guard refuses and DiscordUnavailable for a network error,
    a 429 or a 5xx; any other status is returned for the caller to judge."""
    scheme, host, port = url_parts(url)
    address = str(resolve_checked(url)[0])
    parts = urlsplit(url)
    default_port = port == (443 if scheme == "https" else 80)
    request_headers = {
        "Host": host if default_port else f"{host}:{port}",
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        **(headers or {}),
    }
    pool = _pool(scheme, host, port, address)
    try:
        response = pool.request(
            method,
            parts.path + (f"?{parts.query}" if parts.query else ""),
            body=json.dumps(body).encode(),
            headers=request_headers,
            redirect=False,
        )
    except urllib3.exceptions.HTTPError as error:
        raise DiscordUnavailable(f"{type(error).__name__}: Discord unreachable") from error
    finally:
        pool.close()
    if response.status == 429 or response.status >= 500:
        raise DiscordUnavailable(f"Discord answered HTTP {response.status}")
    try:
        answer = json.loads(response.data) if response.data else None
    except ValueError:
        answer = None
    return response.status, answer
