"""The compliance dashboard and its widgets (each also served alone for the live refresh). The time-range picker
(`?range=7d|30d|90d` or `?from=…&to=…`, in the URL) chooses the days of the widgets that show a period; a bad
range shows the default one with a message saying what is allowed (400)."""

from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from apps.core.portal import portal_widgets
from apps.portal.access import portal_view
from apps.portal.shell import render_portal
from apps.portal.views.compliance_history import page_range, range_context
from apps.portal.widgets import render_widget


@never_cache
@require_safe
@portal_view()
def dashboard(request: HttpRequest) -> HttpResponse:
    date_range, problem = page_range(request)
    widgets = [
        {"name": name, "title": widget.title, "html": render_widget(name, request, date_range)}
        for name, widget in portal_widgets().items()
    ]
    context = {
        "widgets": widgets,
        "range_query": urlencode(date_range.as_params()),
        **range_context(date_range, problem),
    }
    return render_portal(request, "portal/dashboard.html", context, status=400 if problem else 200)


@never_cache
@require_safe
@portal_view()
def widget(request: HttpRequest, name: str) -> HttpResponse:
    if name not in portal_widgets():
        raise Http404("No such widget.")
    date_range, problem = page_range(request)
    if problem:
        return HttpResponse(problem, status=400, content_type="text/plain; charset=utf-8")
    return HttpResponse(render_widget(name, request, date_range))
