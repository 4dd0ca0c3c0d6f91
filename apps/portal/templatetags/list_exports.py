"""`{% export_href "portal:x_export" "csv" %}`: the export of the list on this page, with the page's filters
(its query string, less the page number) and the page's own URL arguments (a scope, a dashboard and widget)."""

from django import template
from django.urls import reverse

register = template.Library()


@register.simple_tag(takes_context=True)
def export_href(context, url_name: str, fmt: str) -> str:
    request = context["request"]
    match = getattr(request, "resolver_match", None)
    url = reverse(url_name, kwargs={**(match.kwargs if match else {}), "fmt": fmt})
    query = request.GET.copy()
    query.pop("page", None)
    encoded = query.urlencode()
    return f"{url}?{encoded}" if encoded else url
