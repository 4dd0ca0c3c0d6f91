"""Content-Security-Policy on every HTML page (issue 11, item 9), with django-csp's middleware.

The policy (settings: CONTENT_SECURITY_POLICY) runs scripts from this server only: no inline script
and no inline event handler anywhere (templates/ has none; tests/core/test_csp.py checks), and the
Swagger UI at /api/docs/ loads its start-up script as a file (drf-spectacular's split view). Styles
may be inline (plotly and the admin set style attributes); that cannot run code.
"""

from csp.middleware import CSPMiddleware
from django.http import HttpRequest, HttpResponseBase


class HtmlContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, for HTML responses only: a JSON answer runs nothing in a browser, and the
    API's 304 fast path (apps.core.middleware) must add exactly the headers the full stack adds."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        return super().process_response(request, response)
