"""Who did something: passed explicitly into every service (no thread-local current user)."""

import ipaddress
from dataclasses import dataclass
from typing import Literal

from django.conf import settings

ActorKind = Literal["user", "api_key", "system"]


@dataclass(frozen=True, slots=True)
class Actor:
    """The author of a state change, with the request it came from (when there was one)."""

    kind: ActorKind
    identifier: str
    label: str
    ip_address: str | None = None
    user_agent: str = ""
    request_id: str = ""

    @classmethod
    def system(cls, label: str = "system") -> "Actor":
        return cls(kind="system", identifier=label, label=label)


def client_ip(request) -> str | None:
    """The client address, the one every record and limit uses: the peer (REMOTE_ADDR), or, behind
    DBSBM_TRUSTED_PROXIES proxies, the X-Forwarded-For entry the outermost of them appended.

    Each proxy appends the address it saw, so with N proxies the N-th entry from the right is the
    client's; everything left of it is whatever the client wrote and is never believed. An entry
    that is not an address (a proxy's "unknown") falls back to the peer. Audit events, security events
    (their per-address cap, the behavioural baselines), the rate limits and django-axes all call this.
    """
    peer = _normalized(request.META.get("REMOTE_ADDR", ""))
    proxies = settings.DBSBM_TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "") if proxies > 0 else ""
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if hops:
        return _normalized(hops[-min(proxies, len(hops))]) or peer
    return peer


def _normalized(value: str) -> str | None:
    """The address in one spelling ("[2001:db8::1]" and "203.0.113.9:4711" as proxies write them), or None."""
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [IPv6] or [IPv6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # IPv4:port
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def actor_for_request(request) -> Actor:
    """The actor of an HTTP request: the API key if one authenticated it, else the session user."""
    request_id = getattr(request, "request_id", "")
    common = {
        "ip_address": client_ip(request),
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:400],
        "request_id": request_id,
    }
    api_key = getattr(request, "api_key", None)
    if api_key is not None:
        return Actor(kind="api_key", identifier=str(api_key.pk), label=api_key.prefix, **common)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return Actor(kind="user", identifier=str(user.pk), label=user.get_username(), **common)
    return Actor(kind="system", identifier="anonymous", label="anonymous", **common)
