"""The base of every API viewset.

Order of refusals, the same on every endpoint: no or bad key → 401; a tenant path the key may not
see (unknown, offboarded or another tenant's) → 404, so keys cannot probe which guilds exist;
a missing scope → 403. Tenant resolution is a hook that `TenantScopedViewSet` (tenants app) fills.
Rate limits come last (DRF's order), but a request refused earlier is counted too, against its key
or (without a valid key) its address, so guessing keys or probing tenants is throttled as well: once
over the limit such a request gets 429 instead of its 401, 403 or 404.
"""

from rest_framework import exceptions, viewsets
from rest_framework.request import Request

from apps.core.api.deprecation import Deprecation, deprecation_headers
from apps.core.api.ratelimit import most_restrictive
from apps.core.api.throttling import AnonymousRateThrottle, ApiKeyRateThrottle, CounterThrottle, recorded_results
from apps.core.errors import ApplicationError
from apps.core.replica import replica_reads_for_rest_of_request

# The limits a request refused before DRF's throttle check still counts against (per key or address).
REFUSAL_THROTTLE_CLASSES = [ApiKeyRateThrottle, AnonymousRateThrottle]


class ApiViewSet(viewsets.GenericViewSet):
    """`required_scopes` maps an action name to the scope it needs; `action_throttle_classes` an
    action name to the throttles it adds to the default ones (e.g. bet placements per capper);
    `deprecation` (the whole view) or `deprecations` (per action) marks endpoints for removal
    (apps/core/api/deprecation.py: Deprecation and Sunset headers, deprecated in the schema)."""

    required_scopes: dict[str, str] = {}
    action_throttle_classes: dict[str, list[type]] = {}
    deprecation: Deprecation | None = None
    deprecations: dict[str, Deprecation] = {}

    throttles_checked = False

    def initial(self, request: Request, *args, **kwargs) -> None:
        try:
            super().initial(request, *args, **kwargs)
        except (exceptions.APIException, ApplicationError):
            # DRF checks throttles last, so a request refused earlier (no or a bad key, a tenant the
            # key may not see, a missing scope) would never be counted: guessing keys or probing
            # guild ids would go unthrottled. Count it against its key or its address first.
            if not self.throttles_checked:
                self.check_throttles(request, throttle_classes=REFUSAL_THROTTLE_CLASSES)
            raise
        if self.action == "list" and request.method in ("GET", "HEAD"):
            # authorized; the list itself tolerates a replica's lag of a moment (apps/core/replica.py)
            replica_reads_for_rest_of_request()

    def check_permissions(self, request: Request) -> None:
        if request.auth is None:
            self.permission_denied(request)  # 401 with WWW-Authenticate: no credentials at all
        self.resolve_tenant(request)
        super().check_permissions(request)

    def resolve_tenant(self, request: Request) -> None:
        """Hook for tenant-scoped views; platform views have nothing to resolve."""

    def get_throttles(self):
        extra = self.action_throttle_classes.get(getattr(self, "action", None) or "", [])
        return [*super().get_throttles(), *(throttle() for throttle in extra)]

    def check_throttles(self, request: Request, throttle_classes: list[type] | None = None) -> None:
        self.throttles_checked = True
        throttles = self.get_throttles() if throttle_classes is None else [throttle() for throttle in throttle_classes]
        # Every throttle counts the request (as DRF's own loop does); the longest wait is reported.
        refusing = [throttle for throttle in throttles if not throttle.allow_request(request, self)]
        if refusing:
            self.refuse(max(refusing, key=lambda throttle: throttle.wait() or 0))

    def refuse(self, throttle: CounterThrottle) -> None:
        """429 with the throttle's message; the exception handler adds Retry-After."""
        raise exceptions.Throttled(wait=throttle.wait(), detail=throttle.refusal_message())

    def finalize_response(self, request: Request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        result = most_restrictive(recorded_results(request))
        if result is not None:
            for header, value in result.headers().items():
                response[header] = value
        deprecation_headers(self, response)
        return response
