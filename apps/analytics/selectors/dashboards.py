"""Reading dashboards: who sees and who changes which, their date ranges, what a widget may be built from.

Every portal role sees every dashboard (staff see all). A shipped dashboard (no owner) is changed by
superusers only; a custom dashboard only by its owner. A tenant dashboard without a tenant of its own (a
template) is shown for the tenant the viewer picks.
"""

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from apps.analytics.charts import CHART_TYPES
from apps.analytics.metrics import DIMENSIONS, GRAINS, metrics_for
from apps.analytics.models import ChartType, Dashboard, DashboardScope, Widget
from apps.analytics.models.dashboards import TIME_RANGES
from apps.analytics.panels import PANELS
from apps.analytics.query import MAX_RANGE_DAYS
from apps.core.errors import ApplicationError, NotFoundError
from apps.tenants.models import Tenant

CUSTOM_RANGE_MAX_DAYS = MAX_RANGE_DAYS["day"]


def dashboard_list(*, user) -> QuerySet[Dashboard]:
    """Every dashboard (staff see all): the shipped ones first, then the user's own, then the others'."""
    mine = Case(When(owner_id=getattr(user, "pk", None), then=Value(0)), default=Value(1))
    return (
        Dashboard.objects.select_related("owner", "tenant")
        .annotate(widget_count=Count("widgets"), others=mine)
        .order_by("-is_default", "others", "title", "pk")
    )


def dashboard_list_for_tenant(*, tenant: Tenant) -> QuerySet[Dashboard]:
    """What a guild owner sees (tenant API keys): the tenant dashboards fixed to this tenant and the templates
    (shown for it); never a platform dashboard or another tenant's."""
    return (
        Dashboard.objects.filter(scope=DashboardScope.TENANT)
        .filter(Q(tenant__isnull=True) | Q(tenant=tenant))
        .annotate(widget_count=Count("widgets"))
        .order_by("-is_default", "title", "pk")
    )


def dashboard_get(*, dashboard_id: int) -> Dashboard:
    dashboard = Dashboard.objects.select_related("owner", "tenant").filter(pk=dashboard_id).first()
    if dashboard is None:
        raise NotFoundError(
            _("No dashboard %(dashboard_id)s.") % {"dashboard_id": dashboard_id}, code="dashboard_not_found"
        )
    return dashboard


def dashboard_widgets(*, dashboard: Dashboard) -> list[Widget]:
    return list(dashboard.widgets.order_by("y", "x", "pk"))


def widget_get(*, dashboard: Dashboard, widget_id: int) -> Widget:
    widget = Widget.objects.filter(dashboard=dashboard, pk=widget_id).first()
    if widget is None:
        raise NotFoundError(
            _("No widget %(widget_id)s on this dashboard.") % {"widget_id": widget_id}, code="widget_not_found"
        )
    widget.dashboard = dashboard  # drawn with its dashboard's scope: no second read
    return widget


def dashboard_may_edit(*, user, dashboard: Dashboard) -> bool:
    """Its owner changes a custom dashboard; superusers change the shipped (unowned) ones."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if dashboard.owner_id is None:
        return bool(user.is_superuser)
    return dashboard.owner_id == user.pk


def dashboard_tenant(*, dashboard: Dashboard, guild_id: str | None) -> Tenant | None:
    """The tenant a dashboard shows: its own, the one picked for a template (404 for an unknown guild), or none
    (the platform). A template with nothing picked shows no tenant yet (None, the page asks)."""
    if dashboard.scope == DashboardScope.PLATFORM:
        return None
    if dashboard.tenant_id is not None:
        return dashboard.tenant
    if not guild_id:
        return None
    tenant = Tenant.objects.filter(guild_id=str(guild_id)).first()
    if tenant is None:
        raise NotFoundError(
            _("No tenant with guild id %(guild_id)s.") % {"guild_id": guild_id}, code="tenant_not_found"
        )
    return tenant


@dataclass(frozen=True)
class DateRange:
    """The days a dashboard shows (inclusive, in the tenant's zone; UTC for the platform)."""

    start: date
    end: date
    preset: str = ""  # "7d", "30d", … or "" for a custom from-to

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def as_params(self) -> dict[str, str]:
        if self.preset:
            return {"range": self.preset}
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


def _today(tenant: Tenant | None) -> date:
    return datetime.now(zoneinfo.ZoneInfo(tenant.timezone if tenant else "UTC")).date()


def _day(raw: str, name: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        message = _("%(name)s=%(raw)s is not a date: use YYYY-MM-DD.") % {"name": name, "raw": repr(raw)}
        raise ApplicationError(message, fields={name: [message]}) from None


def dashboard_range(*, dashboard: Dashboard, tenant: Tenant | None, params) -> DateRange:
    """The range asked for (`range=7d|30d|90d|…`, or `from`/`to` dates), else the dashboard's default; 400 naming
    the allowed values for anything else."""
    return date_range_parse(params=params, default=dashboard.time_range, tenant=tenant)


def date_range_parse(*, params, default: str, tenant: Tenant | None = None) -> DateRange:
    """The range a page's query asks for (`range=7d|30d|90d|…|custom`, `from`/`to` dates), else the `default`
    preset; an ApplicationError (400) naming what is allowed for anything else. Any page with a time-range picker
    reads its range here (the analytics dashboards, the portal's dashboard)."""
    preset = params.get("range") or ""
    raw_from, raw_to = params.get("from") or "", params.get("to") or ""
    if preset and preset != "custom":
        if preset not in TIME_RANGES:
            allowed = ", ".join([*TIME_RANGES, "custom"])
            raise ApplicationError(
                _("Unknown range %(preset)s: allowed are %(allowed)s.") % {"preset": repr(preset), "allowed": allowed},
                fields={"range": [allowed]},
            )
        end = _today(tenant)
        return DateRange(end - timedelta(days=TIME_RANGES[preset] - 1), end, preset)
    if raw_from or raw_to:
        end = _day(raw_to, "to") if raw_to else _today(tenant)
        start = _day(raw_from, "from") if raw_from else end - timedelta(days=TIME_RANGES[default] - 1)
        if start > end:
            raise ApplicationError(
                _("from (%(start)s) is after to (%(end)s).") % {"start": start, "end": end},
                fields={"from": [_("After to.")]},
            )
        if (end - start).days + 1 > CUSTOM_RANGE_MAX_DAYS:
            raise ApplicationError(
                _("The range is %(days)s days: at most %(CUSTOM_RANGE_MAX_DAYS)s days.")
                % {"days": (end - start).days + 1, "CUSTOM_RANGE_MAX_DAYS": CUSTOM_RANGE_MAX_DAYS},
                fields={"to": [_("Too long.")]},
            )
        return DateRange(start, end)
    end = _today(tenant)
    return DateRange(end - timedelta(days=TIME_RANGES[default] - 1), end, default)


def widget_catalogue(*, dashboard: Dashboard) -> dict:
    """What a widget of this dashboard may show: metrics (tenant dashboards leave out platform-only ones),
    dimensions, grains, chart types and panels."""
    tenant_scoped = dashboard.scope == DashboardScope.TENANT
    return {
        "metrics": [metric.as_dict() for metric in metrics_for(tenant_scoped=tenant_scoped)],
        "dimensions": [name for name in DIMENSIONS if not (tenant_scoped and name == "tenant")],
        "grains": [*GRAINS, "none"],
        "chart_types": [(value, ChartType(value).label) for value in CHART_TYPES],
        "panels": [
            {"name": panel.name, "label": panel.label, "description": panel.description}
            for panel in PANELS.values()
            if not (tenant_scoped and panel.platform_only)
        ],
        "time_ranges": list(TIME_RANGES),
    }
