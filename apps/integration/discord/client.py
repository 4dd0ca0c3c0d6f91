"""Calls to Discord's HTTP API (follow-ups of deferred commands, command registration) through
`apps.core.outbound.outbound_request`: the SSRF guard with the connection pinned to the checked address, no
redirects, short timeouts, and the breaker of the `discord-api` upstream (shared by every process: when
Discord is down, calls fail at once instead of each waiting for its time-out). No retries inside: the
caller decides (the outbox retries a follow-up that failed transiently).
"""

import json

from django.conf import settings

from apps.core.outbound.client import outbound_request
from apps.core.outbound.errors import OutboundError

USER_AGENT = "DiscordBot (https://github.com/dbsbm/portal, 1.0) dbsbm-portal"
UPSTREAM = "discord-api"


class DiscordUnavailable(Exception):
    """Discord could not be reached, its circuit is open, or it answered 429/5xx: worth another attempt later."""


def discord_request(
    method: str, url: str, *, body: object, headers: dict[str, str] | None = None
) -> tuple[int, object]:
    """Send `body` as JSON to `url` once; (status, the decoded JSON answer or None).

    Raises OutboundBlocked for a URL the SSRF guard refuses and DiscordUnavailable for a network error, an
    open circuit, a 429 or a 5xx; any other status is returned for the caller to judge."""
    try:
        response = outbound_request(
            method,
            url,
            upstream=UPSTREAM,
            headers={"Content-Type": "application/json", "User-Agent": USER_AGENT, **(headers or {})},
            body=json.dumps(body).encode(),
            timeout=(settings.DISCORD_HTTP_CONNECT_TIMEOUT, settings.DISCORD_HTTP_READ_TIMEOUT),
        )
    except OutboundError as error:  # CircuitOpen is one
        raise DiscordUnavailable(f"Discord unreachable: {error}") from error
    if response.status == 429 or response.status >= 500:
        raise DiscordUnavailable(f"Discord answered HTTP {response.status}")
    try:
        answer = json.loads(response.body) if response.body else None
    except ValueError:
        answer = None
    return response.status, answer
