"""The request behind a model change, for security events captured by model signals.

Privilege, password and MFA changes are captured from model signals wherever they are made (admin,
shell, a service), so no app has to remember to report them; a signal carries no request, though,
and an account-takeover rule needs the address the change came from. This middleware keeps the
current request in a context variable for the length of the request, read only by
`apps.security.services.events` to name the actor and address of such an event. Services still take
their actor explicitly; nothing else reads this.
"""

from contextvars import ContextVar

from apps.core.actors import Actor, actor_for_request

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
