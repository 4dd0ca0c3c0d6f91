"""Who did something: passed explicitly into every service (no thread-local current user)."""

from dataclasses import dataclass
from typing import Literal

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
    """The client address as the proxy in front reports it (first X-Forwarded-For hop)."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded:
        return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


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
