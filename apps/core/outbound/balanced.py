"""Requests to an upstream with several endpoints: the balancer chooses, `outbound_request` calls (guard,
pinning, the upstream's breaker), the balancer learns (in-flight lease, response time, passive health)."""

from collections.abc import Callable
from dataclasses import replace
from urllib.parse import urljoin

from apps.core.outbound.balancer import Balancer
from apps.core.outbound.client import OutboundResponse, Timeout, outbound_request
from apps.core.outbound.errors import CircuitOpen, OutboundError
from apps.core.outbound.ssrf import OutboundBlocked
from apps.core.outbound.strategies import Endpoint


def endpoint_request(
    balancer: Balancer,
    endpoint: Endpoint,
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout: Timeout = None,
    check: Callable[[OutboundResponse], None] | None = None,
) -> OutboundResponse:
    """One call to a URL on a given endpoint (the next page on the mirror that served the first), tracked by
    the balancer; unreachable, 5xx or refused by `check` count against the endpoint and the upstream."""
    with balancer.track(endpoint) as outcome:
        try:
            response = outbound_request(
                method, url, upstream=balancer.upstream, headers=headers, body=body, timeout=timeout, check=check
            )
        except (CircuitOpen, OutboundBlocked):
            outcome.skipped()  # no call was made: nothing to learn about the endpoint
            raise
        except OutboundError:
            outcome.failed()
            raise
        if response.status >= 500:
            outcome.failed()
            raise OutboundError(f"HTTP {response.status} from {endpoint.url}", status=response.status)
        return response


def balanced_request(
    balancer: Balancer,
    method: str,
    path: str = "",
    *,
    key: str | None = None,
    attempts: int = 1,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout: Timeout = None,
    check: Callable[[OutboundResponse], None] | None = None,
) -> tuple[Endpoint, OutboundResponse]:
    """`path` (relative to the endpoint's base URL, as urljoin reads it; "" for the base URL itself) on one of
    the upstream's endpoints, chosen by the balancer (`key`: consistent hashing's). A failure (unreachable,
    5xx, refused by `check`) is tried again on another endpoint, up to `attempts` endpoints. Returns the
    endpoint that answered and its answer. An open circuit or a refused target ends at once."""
    tried: list[Endpoint] = []
    last_error: OutboundError | None = None
    for _ in range(max(1, attempts)):
        endpoint = balancer.choose(key=key, exclude=tried)
        if endpoint is None:
            break
        tried.append(endpoint)
        url = urljoin(endpoint.url, path) if path else endpoint.url
        try:
            response = endpoint_request(
                balancer, endpoint, method, url, headers=headers, body=body, timeout=timeout, check=check
            )
        except CircuitOpen:
            raise
        except OutboundError as error:
            last_error = error
            continue
        return endpoint, replace(response, url=url)
    raise last_error or OutboundError(f"{balancer.upstream}: no endpoint to call")
