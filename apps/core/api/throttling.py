"""DRF throttles over the atomic counters of `apps.core.api.ratelimit`.

Each throttle names a policy (identity, limit, window) for a request or says it does not apply. The
results of a request are kept on it so that the API base view can answer with RateLimit-* headers
(`ApiViewSet.finalize_response`) and a 429 that says which limit was hit.

The credential protocol is the one `apps.core.api.permissions` documents: `request.auth` has `pk` and
`tenant_id`; a tenant key's `tenant.plan.api_calls_per_minute` is its quota.
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework.throttling import BaseThrottle

from apps.core.actors import client_ip
from apps.core.api.ratelimit import RateLimitResult, ratelimit_hit

RESULTS_ATTRIBUTE = "ratelimit_results"
# {(scope, identity): RateLimitResult} a request was already counted for before the view ran
PRECOUNTED_ATTRIBUTE = "ratelimit_precounted"


def client_address(request) -> str:
    """The client address for per-address limits (`apps.core.actors.client_ip`), "unknown" without one."""
    return client_ip(request) or "unknown"


def recorded_results(request) -> list[RateLimitResult]:
    """Every rate limit result counted for this request so far."""
    return getattr(request._request if hasattr(request, "_request") else request, RESULTS_ATTRIBUTE, [])


class CounterThrottle(BaseThrottle):
    """A fixed-window counter; subclasses give `scope`, `policy()` and the refusal `message`."""

    scope = ""
    message = _("Too many requests.")  # DRF's Throttled appends "Expected available in N seconds."

    def __init__(self) -> None:
        self.result: RateLimitResult | None = None

    def policy(self, request, view) -> tuple[str, int, int] | None:
        """(identity, limit, window in seconds), or None when this throttle does not apply."""
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        if not settings.RATELIMIT_ENABLED:
            return True
        policy = self.policy(request, view)
        if policy is None:
            return True
        identity, limit, window_seconds = policy
        http_request = request._request if hasattr(request, "_request") else request
        precounted = getattr(http_request, PRECOUNTED_ATTRIBUTE, None)
        if precounted is None:  # counted before Django made the request (apps.core.middleware)
            precounted = getattr(http_request, "scope", {}).get(PRECOUNTED_ATTRIBUTE, {})
        if (self.scope, identity) in precounted:  # counted by the conditional GET fast path: not twice
            self.result = precounted.pop((self.scope, identity))
        else:
            self.result = ratelimit_hit(scope=self.scope, identity=identity, limit=limit, window_seconds=window_seconds)
        setattr(http_request, RESULTS_ATTRIBUTE, [*recorded_results(request), self.result])
        return self.result.is_allowed

    def wait(self) -> float | None:
        return self.result.reset_seconds if self.result is not None else None

    def refusal_message(self) -> str:
        return self.message.format(limit=self.result.limit if self.result else "")


class ApiKeyRateThrottle(CounterThrottle):
    """Calls per minute per API key: the tenant's plan quota, or the platform-key setting."""

    scope = "api_key"
    message = _("This API key has used its {limit} calls of this minute.")

    def policy(self, request, view):
        credential = request.auth
        if credential is None:
            return None
        tenant = getattr(credential, "tenant", None)
        if tenant is None:
            limit = settings.RATELIMIT_PLATFORM_KEY_PER_MINUTE
        else:
            limit = tenant.plan.api_calls_per_minute
        return str(credential.pk), limit, 60


class AnonymousRateThrottle(CounterThrottle):
    """Requests without a valid key, per client address (ApiViewSet counts refused keys here too)."""

    scope = "anonymous"
    message = _("Too many requests without a valid API key from this address.")

    def policy(self, request, view):
        if request.auth is not None:
            return None
        return client_address(request), settings.RATELIMIT_ANONYMOUS_PER_MINUTE, 60
