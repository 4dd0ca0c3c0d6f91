"""Content-Security-Policy on every HTML page (issue 11, item 9), with django-csp's middleware.

The policy (settings: CONTENT_SECURITY_POLICY) runs scripts from this server only: no inline script
and no inline event handler anywhere (templates/ has none; tests/core/test_csp.py checks), and the
Swagger UI at /api/docs/ loads its start-up script as a file (drf-spectacular's split view). Styles
may be inline (plotly and the admin set style attributes); that cannot run code.

The staff admin (/admin/) is the one exception: its theme, django-unfold, runs on Alpine.js, which
compiles the `x-` attributes of unfold's own templates with `new Function`, so admin pages also allow
'unsafe-eval'. Still no inline script and no event handler there, and scripts only from this server.
"""

from csp.middleware import CSPMiddleware
from django.http import HttpRequest, HttpResponseBase
from django.urls import reverse

# what an admin page adds to the policy (see above)
ADMIN_SCRIPT_UPDATE = {"script-src": ["'unsafe-eval'"]}


class HtmlContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, for HTML responses only: a JSON answer runs nothing in a browser, and the
    API's 304 fast path (apps.core.middleware) must add exactly the headers the full stack adds."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        if request.path.startswith(reverse("admin:index")) and not hasattr(response, "_csp_update"):
            response._csp_update = ADMIN_SCRIPT_UPDATE
        return super().process_response(request, response)
