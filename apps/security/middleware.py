"""The request behind a model change (SecurityContextMiddleware), and the door that refuses blocked
addresses (AddressBlockMiddleware).

Privilege, password and MFA changes are captured from model signals wherever they are made (admin,
shell, a service), so no app has to remember to report them; a signal carries no request, though,
and an account-takeover rule needs the address the change came from. This middleware keeps the
current request in a context variable for the length of the request, read only by
`apps.security.services.events` to name the actor and address of such an event. Services still take
their actor explicitly; nothing else reads this.
"""

import math
import time
from contextvars import ContextVar
from datetime import UTC, datetime

from django.http import HttpResponse, JsonResponse

from apps.core.actors import Actor, actor_for_request, client_ip
from apps.core.address_blocks import AddressBlock, address_block_for

_current_request: ContextVar = ContextVar("security_current_request", default=None)


class SecurityContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)


def current_request_actor() -> Actor | None:
    """The actor of the request being served in this context, or None outside a request."""
    request = _current_request.get()
    return actor_for_request(request) if request is not None else None


class AddressBlockMiddleware:
    """Refuses every request from an address incident response blocked (apps.core.address_blocks), until
    the block ends: 403 with the time it ends, in the API's error shape on /api/, as text elsewhere
    (the portal's login among them). One cache read per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        block = address_block_for(client_ip(request))
        if block is None:
            return self.get_response(request)
        return address_blocked_response(request, block)


def address_blocked_response(request, block: AddressBlock) -> HttpResponse:
    until = datetime.fromtimestamp(block.until, tz=UTC)
    message = (
        f"Requests from this address are blocked until {until:%Y-%m-%d %H:%M:%S} UTC by security incident "
        "response. If this is a mistake, contact the platform's security team."
    )
    retry_after = str(max(1, math.ceil(block.until - time.time())))
    if request.path_info.startswith("/api/"):
        response = JsonResponse({"code": "address_blocked", "message": message, "fields": {}}, status=403)
    else:
        response = HttpResponse(message, status=403, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = retry_after
    return response
