"""Analytics dashboards in the portal: the list, one dashboard with every widget drawn server-side (figures
embedded as JSON, drawn by plotly.js from static/), one widget alone (what the live updates fetch again).

Every portal role sees every dashboard; a tenant template asks which tenant to show (`?tenant=<guild id>`).
The time-range picker (`?range=7d|30d|90d|…` or `?from=…&to=…`) re-runs every widget's query; a bad range is a
400 that says what is allowed. A widget that cannot be drawn shows why in its box (200: the page stands).
"""

from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from apps.analytics.models import Dashboard, DashboardScope
from apps.analytics.selectors.dashboards import (
    dashboard_get,
    dashboard_list,
    dashboard_may_edit,
    dashboard_range,
    dashboard_tenant,
    dashboard_widgets,
    widget_catalogue,
    widget_get,
)
from apps.analytics.selectors.widgets import widget_view, widget_views
from apps.core.errors import ApplicationError, NotFoundError
from apps.portal.access import ANALYST, OFFICER, portal_view
from apps.portal.shell import render_portal
from apps.portal.views.analytics_forms import DashboardCreateForm, DashboardForm, WidgetForm
from apps.tenants.selectors import tenant_list

ROLES = (OFFICER, ANALYST)
TENANT_CHOICES = 500  # the picker lists this many tenants by name; any other is reachable by its guild id


class DashboardPage:
    """A dashboard as the request asks to see it: the tenant (for a tenant dashboard) and the date range."""

    def __init__(self, request: HttpRequest, dashboard_id: int) -> None:
        try:
            self.dashboard = dashboard_get(dashboard_id=dashboard_id)
            self.tenant = dashboard_tenant(dashboard=self.dashboard, guild_id=request.GET.get("tenant"))
        except NotFoundError as missing:
            raise Http404(missing.message) from None
        self.range_error = ""
        try:
            self.date_range = dashboard_range(dashboard=self.dashboard, tenant=self.tenant, params=request.GET)
        except ApplicationError as refused:
            self.range_error = refused.message
            self.date_range = dashboard_range(dashboard=self.dashboard, tenant=self.tenant, params={})
        self.may_edit = dashboard_may_edit(user=request.user, dashboard=self.dashboard)

    @property
    def needs_tenant(self) -> bool:
        return self.dashboard.scope == DashboardScope.TENANT and self.tenant is None

    def params(self) -> dict[str, str]:
        """The query string that shows the same view (tenant and range): widget fetches and drill links keep it."""
        params = dict(self.date_range.as_params())
        if self.dashboard.is_template and self.tenant is not None:
            params["tenant"] = self.tenant.guild_id
        return params


def _ws_path(page: DashboardPage) -> str:
    path = f"/ws/portal/analytics/{page.dashboard.pk}/"
    if page.dashboard.is_template and page.tenant is not None:
        path += f"?tenant={page.tenant.guild_id}"
    return path


def render_dashboard(request: HttpRequest, page: DashboardPage, extra: dict | None = None, status: int = 200):
    dashboard = page.dashboard
    views = []
    if not page.needs_tenant and not page.range_error:
        widgets = dashboard_widgets(dashboard=dashboard)
        views = widget_views(widgets=widgets, tenant=page.tenant, date_range=page.date_range)
    catalogue = widget_catalogue(dashboard=dashboard)
    context = {
        "dashboard": dashboard,
        "page": page,
        "tenant": page.tenant,
        "tenants": tenant_list().only("guild_id", "name")[:TENANT_CHOICES] if dashboard.is_template else [],
        "views": views,
        "date_range": page.date_range,
        "range_choices": catalogue["time_ranges"],
        "view_params": page.params(),
        "view_params_query": urlencode(page.params()),
        "ws_path": "" if page.needs_tenant else _ws_path(page),
        "widget_form": WidgetForm(catalogue=catalogue, prefix="widget"),
        "settings_form": DashboardForm(
            initial={
                "title": dashboard.title,
                "description": dashboard.description,
                "time_range": dashboard.time_range,
                "refresh_seconds": dashboard.refresh_seconds,
            },
            prefix="settings",
        ),
        "catalogue": catalogue,
        **(extra or {}),
    }
    status = 400 if page.range_error and status == 200 else status
    return render_portal(request, "portal/analytics/dashboard.html", context, status=status)


@never_cache
@require_safe
@portal_view(*ROLES)
def dashboards(request: HttpRequest) -> HttpResponse:
    return render_list(request, DashboardCreateForm(prefix="new"))


def render_list(request: HttpRequest, create_form: DashboardCreateForm, status: int = 200) -> HttpResponse:
    rows = list(dashboard_list(user=request.user))
    for row in rows:
        row.may_edit = dashboard_may_edit(user=request.user, dashboard=row)
    context = {"dashboards": rows, "create_form": create_form}
    return render_portal(request, "portal/analytics/list.html", context, status=status)


@never_cache
@require_safe
@portal_view(*ROLES)
def dashboard(request: HttpRequest, dashboard_id: int) -> HttpResponse:
    return render_dashboard(request, DashboardPage(request, dashboard_id))


@never_cache
@require_safe
@portal_view(*ROLES)
def widget(request: HttpRequest, dashboard_id: int, widget_id: int) -> HttpResponse:
    """One widget's box content, for the live updates and the periodic refresh (same tenant and range)."""
    page = DashboardPage(request, dashboard_id)
    if page.range_error:
        return HttpResponse(page.range_error, status=400, content_type="text/plain; charset=utf-8")
    try:
        found = widget_get(dashboard=page.dashboard, widget_id=widget_id)
    except NotFoundError as missing:
        raise Http404(missing.message) from None
    view = widget_view(widget=found, tenant=page.tenant, date_range=page.date_range)
    html = render_to_string(
        "portal/analytics/_widget_body.html", {"view": view, "page": page, "view_params": page.params()}, request
    )
    return HttpResponse(html)


def dashboard_url(dashboard: Dashboard, params: dict[str, str] | None = None) -> str:
    url = reverse("portal:analytics_dashboard", kwargs={"dashboard_id": dashboard.pk})
    return f"{url}?{urlencode(params)}" if params else url
