"""Application errors raised while rendering a staff page (admin, portal) as a page, never a 500.

The API turns an `ApplicationError` into its JSON error shape (apps/core/errors.py). Staff pages
have no such handler: a value that cannot be decrypted (the keyring's errors name model, field and
row) or a refused transition would otherwise end in Django's 500 page. This middleware answers with
the error's own status and message, logs it, and shows no stack trace.
"""

import logging

from django.shortcuts import render

from apps.core.errors import ApplicationError

logger = logging.getLogger(__name__)


class ApplicationErrorPageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, ApplicationError) or request.path.startswith("/api/"):
            return None
        logger.warning("%s on %s: %s", exception.code, request.path, exception.message)
        context = {"code": exception.code, "message": exception.message, "status": exception.status_code}
        response = render(request, "core/application_error.html", context, status=exception.status_code)
        for name, value in exception.headers.items():
            response[name] = value
        return response
