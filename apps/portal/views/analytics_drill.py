"""Drill-down: the bets behind a bar, slice or point of a widget (`?bucket=…&filter_<dimension>=…`, with the
dashboard's tenant and range), a page at a time. A tenant dashboard lists only that tenant's bets."""

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from apps.analytics.selectors.dashboards import widget_get
from apps.analytics.selectors.drilldown import drill_rows
from apps.core.errors import ApplicationError, NotFoundError
from apps.portal.access import portal_view
from apps.portal.shell import paginate, render_portal
from apps.portal.views.analytics import ROLES, DashboardPage, dashboard_url


@never_cache
@require_safe
@portal_view(*ROLES)
def drill(request: HttpRequest, dashboard_id: int, widget_id: int) -> HttpResponse:
    page = DashboardPage(request, dashboard_id)
    try:
        widget = widget_get(dashboard=page.dashboard, widget_id=widget_id)
    except NotFoundError as missing:
        raise Http404(missing.message) from None
    context = {
        "dashboard": page.dashboard,
        "widget": widget,
        "tenant": page.tenant,
        "date_range": page.date_range,
        "back_url": dashboard_url(page.dashboard, page.params()),
    }
    problem = page.range_error or ("Pick a tenant first." if page.needs_tenant else "")
    if not problem:
        try:
            found = drill_rows(widget=widget, tenant=page.tenant, date_range=page.date_range, params=request.GET)
        except ApplicationError as refused:
            problem = refused.message
        else:
            context.update(drill=found, rows=paginate(request, found.bets))
    if problem:
        context["problem"] = problem
        return render_portal(request, "portal/analytics/drill.html", context, status=400)
    return render_portal(request, "portal/analytics/drill.html", context)
