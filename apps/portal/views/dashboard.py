"""The compliance dashboard and its widgets (each also served alone for the live refresh)."""

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from apps.core.portal import portal_widgets
from apps.portal.access import portal_view
from apps.portal.shell import render_portal
from apps.portal.widgets import render_widget


@never_cache
@require_safe
@portal_view()
def dashboard(request: HttpRequest) -> HttpResponse:
    widgets = [
        {"name": name, "title": widget.title, "html": render_widget(name, request)}
        for name, widget in portal_widgets().items()
    ]
    return render_portal(request, "portal/dashboard.html", {"widgets": widgets})


@never_cache
@require_safe
@portal_view()
def widget(request: HttpRequest, name: str) -> HttpResponse:
    if name not in portal_widgets():
        raise Http404("No such widget.")
    return HttpResponse(render_widget(name, request))
