"""Dashboards and their widgets (issue #14, item 4).

A dashboard is the platform's (every tenant's figures) or a tenant's. A tenant dashboard without a tenant
is a template: the portal asks which tenant to show it for (guild owners' API keys see it for their own
tenant). The shipped dashboards (`is_default`, named by `key`) belong to nobody and only superusers change
them; a custom dashboard belongs to the staff user who made it, and only they change it.

A widget holds a metric query as stored parameters (`query`: metrics, group_by, grain, filter_*; the dates
come from the dashboard's time range when it is drawn), checked with `MetricQuery.parse` when it is saved
(services/dashboards.py) and again every time it is drawn: a metric removed from the registry later makes
that one widget show its error, never the page. A few widgets show rows of another app that are not metrics
(`panel`, apps/analytics/panels.py: compliance scores per framework, pending bets past their game's end).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from apps.tenants.models import Tenant

GRID_COLUMNS = 12
MAX_WIDGET_HEIGHT = 12


class DashboardKind(models.TextChoices):
    EXECUTIVE = "executive", "Executive"
    OPERATIONAL = "operational", "Operational"
    TECHNICAL = "technical", "Technical"
    COMPLIANCE = "compliance", "Compliance"
    CUSTOM = "custom", "Custom"


class DashboardScope(models.TextChoices):
    PLATFORM = "platform", "Platform (all tenants)"
    TENANT = "tenant", "One tenant"


class ChartType(models.TextChoices):
    LINE = "line", "Line"
    BAR = "bar", "Bar"
    PIE = "pie", "Pie"
    SCATTER = "scatter", "Scatter"
    AREA = "area", "Area"
    HEATMAP = "heatmap", "Heatmap"
    GAUGE = "gauge", "Gauge"
    TABLE = "table", "Table"
    KPI = "kpi", "KPI"
    FUNNEL = "funnel", "Funnel"


# the ranges a dashboard may default to (the picker also offers a custom from-to)
TIME_RANGES = {"1d": 1, "7d": 7, "30d": 30, "90d": 90, "365d": 365}


class Dashboard(models.Model):
    """A titled grid of widgets over one scope (the platform, a tenant, or any tenant picked when viewing)."""

    key = models.SlugField(
        max_length=40, unique=True, null=True, blank=True, help_text="Names a shipped dashboard; empty for custom."
    )
    title = models.CharField(max_length=120)
    description = models.CharField(max_length=400, blank=True, default="")
    kind = models.CharField(max_length=16, choices=DashboardKind.choices, default=DashboardKind.CUSTOM)
    scope = models.CharField(max_length=16, choices=DashboardScope.choices, default=DashboardScope.PLATFORM)
    tenant = models.ForeignKey(
        Tenant,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="dashboards",
        help_text="A tenant dashboard's tenant; empty: picked when viewing.",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="dashboards"
    )
    is_default = models.BooleanField(default=False, help_text="Shipped with the platform (superusers change it).")
    layout = models.JSONField(default=dict, blank=True, help_text='Grid settings, e.g. {"columns": 12}.')
    time_range = models.CharField(max_length=8, default="30d")
    refresh_seconds = models.PositiveIntegerField(
        default=0, help_text="Redraw every N seconds besides the live updates (0: live updates only)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_default", "title", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=DashboardKind.values), name="dashboard_kind_valid"),
            models.CheckConstraint(condition=Q(scope__in=DashboardScope.values), name="dashboard_scope_valid"),
            models.CheckConstraint(
                condition=Q(scope=DashboardScope.TENANT) | Q(tenant__isnull=True), name="dashboard_platform_no_tenant"
            ),
            models.CheckConstraint(condition=Q(time_range__in=list(TIME_RANGES)), name="dashboard_time_range_valid"),
            models.CheckConstraint(condition=Q(refresh_seconds__lte=86400), name="dashboard_refresh_at_most_a_day"),
            models.CheckConstraint(
                condition=Q(is_default=False) | Q(owner__isnull=True, key__isnull=False),
                name="dashboard_default_is_shipped",
            ),
        ]
        indexes = [models.Index(fields=["owner"], name="dashboard_owner")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_template(self) -> bool:
        """A tenant dashboard with no tenant of its own: shown for the tenant picked when viewing."""
        return self.scope == DashboardScope.TENANT and self.tenant_id is None

    @property
    def range_days(self) -> int:
        return TIME_RANGES[self.time_range]


class Widget(models.Model):
    """One chart of a dashboard: a stored metric query (or a panel), a chart type, options, a grid box."""

    dashboard = models.ForeignKey(Dashboard, on_delete=models.CASCADE, related_name="widgets")
    title = models.CharField(max_length=120)
    query = models.JSONField(default=dict, blank=True, help_text="Metric query parameters (no dates).")
    panel = models.CharField(max_length=64, blank=True, default="", help_text="A named panel instead of a query.")
    chart_type = models.CharField(max_length=16, choices=ChartType.choices)
    options = models.JSONField(default=dict, blank=True)
    x = models.PositiveSmallIntegerField(default=0)
    y = models.PositiveSmallIntegerField(default=0)
    w = models.PositiveSmallIntegerField(default=4)
    h = models.PositiveSmallIntegerField(default=3)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["dashboard", "y", "x", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(chart_type__in=ChartType.values), name="widget_chart_type_valid"),
            models.CheckConstraint(
                condition=Q(w__gte=1, h__gte=1, h__lte=MAX_WIDGET_HEIGHT) & Q(x__lte=GRID_COLUMNS - F("w")),
                name="widget_inside_the_grid",
            ),
            models.CheckConstraint(
                condition=(Q(panel="") & ~Q(query={})) | (~Q(panel="") & Q(query={})),
                name="widget_query_or_panel",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dashboard_id}: {self.title}"
