"""`{% export_href "portal:x_export" "csv" %}`: the export of the list on this page, with the page's filters
(its query string, less the page number) and the page's own URL arguments (a scope, a dashboard and widget)."""

import itertools

from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()


@register.simple_tag(takes_context=True)
def export_href(context, url_name: str, fmt: str) -> str:
    request = context["request"]
    match = getattr(request, "resolver_match", None)
    url = _export_url(url_name, fmt, match.kwargs if match else {})
    query = request.GET.copy()
    query.pop("page", None)
    encoded = query.urlencode()
    return f"{url}?{encoded}" if encoded else url


def _export_url(url_name: str, fmt: str, page_kwargs: dict) -> str:
    """The export URL with as many of the page's URL arguments as it takes: a list drawn again by an action's URL
    (after a refused triage, say) has the action's arguments too, such as the row's id, which the export has not."""
    names = list(page_kwargs)
    for size in range(len(names), -1, -1):
        for chosen in itertools.combinations(names, size):
            try:
                return reverse(url_name, kwargs={**{name: page_kwargs[name] for name in chosen}, "fmt": fmt})
            except NoReverseMatch:
                continue
    raise NoReverseMatch(f"{url_name} takes none of this page's URL arguments and a format")
