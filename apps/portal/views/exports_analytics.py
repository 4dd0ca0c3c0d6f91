"""The exports of the analytics lists (issue 17, item 4): dashboards, alert rules, insights, a scope's report
versions and files, and a widget's drill-down rows (the bets behind a bar or point, with the dashboard's tenant and
range). Each reads its rows as its page does, with the same checks (a scope's read permission, the platform's)."""

from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _

from apps.analytics.selectors.alerting import alert_rule_list, insight_list
from apps.analytics.selectors.dashboards import dashboard_list, widget_get
from apps.analytics.selectors.drilldown import drill_rows
from apps.analytics.selectors.reports import report_runs
from apps.core.errors import ApplicationError, NotFoundError
from apps.core.exports import Column
from apps.portal.list_exports import ListExport, export_view
from apps.portal.views.analytics import ROLES, DashboardPage
from apps.portal.views.analytics_reports import VIEW
from apps.portal.views.analytics_reports import _scope as report_scope


def drill_export_rows(request: HttpRequest, dashboard_id: int, widget_id: int):
    """The bets of /portal/analytics/<dashboard>/widgets/<widget>/rows/ for the same point, tenant and range."""
    page = DashboardPage(request, dashboard_id)
    try:
        widget = widget_get(dashboard=page.dashboard, widget_id=widget_id)
    except NotFoundError as missing:
        raise Http404(missing.message) from None
    if page.range_error:
        raise ApplicationError(page.range_error)
    if page.needs_tenant:
        raise ApplicationError(_("Pick a tenant first."))
    return drill_rows(widget=widget, tenant=page.tenant, date_range=page.date_range, params=request.GET).bets


DASHBOARDS = ListExport(
    "analytics-dashboards",
    [
        Column(_("id"), "id"),
        Column(_("title"), "title"),
        Column(_("kind"), "kind"),
        Column(_("scope"), "scope"),
        Column(_("guild id"), "tenant__guild_id"),
        Column(_("owner"), "owner__username"),
        Column(_("shipped"), "is_default"),
        Column(_("widgets"), "widget_count"),
        Column(_("time range"), "time_range"),
        Column(_("updated at (UTC)"), "updated_at"),
    ],
    lambda request: dashboard_list(user=request.user),
    roles=ROLES,
)
ALERT_RULES = ListExport(
    "analytics-alert-rules",
    [
        Column(_("id"), "id"),
        Column(_("name"), "name"),
        Column(_("guild id"), "tenant__guild_id"),
        Column(_("severity"), "severity"),
        Column(_("enabled"), "is_enabled"),
        Column(_("firing"), "firing_count"),
        Column(_("pending"), "pending_count"),
        Column(_("condition"), "condition"),
        Column(_("threshold"), "threshold"),
        Column(_("last evaluated at (UTC)"), "last_evaluated_at"),
        Column(_("last error"), "last_error"),
    ],
    lambda request: alert_rule_list(),
    roles=ROLES,
)
INSIGHTS = ListExport(
    "analytics-insights",
    [
        Column(_("id"), "id"),
        Column(_("metric"), "metric"),
        Column(_("guild id"), "tenant__guild_id"),
        Column(_("grain"), "grain"),
        Column(_("bucket (UTC)"), "bucket"),
        Column(_("observed"), "observed"),
        Column(_("expected"), "expected"),
        Column(_("expected low"), "expected_low"),
        Column(_("expected high"), "expected_high"),
        Column(_("z-score"), "z"),
        Column(_("direction"), "direction"),
    ],
    lambda request: insight_list(platform_only=request.GET.get("scope") == "platform"),
    roles=ROLES,
)
REPORT_FILES = ListExport(
    "analytics-report-files",
    [
        Column(_("run id"), "id"),
        Column(_("report"), "definition__name"),
        Column(_("version"), "number"),
        Column(_("template"), "template"),
        Column(_("status"), "status"),
        Column(_("period start"), "period_start"),
        Column(_("period end"), "period_end"),
        Column(_("started at (UTC)"), "started_at"),
        Column(_("finished at (UTC)"), "finished_at"),
        Column(_("file format"), "files__format"),
        Column(_("file size (bytes)"), "files__size_bytes"),
        Column(_("file SHA-256"), "files__sha256"),
    ],
    lambda request, scope: report_runs(tenant=report_scope(request, scope)),
    roles=ROLES,
    permission=VIEW,
)
DRILL_ROWS = ListExport(
    "analytics-drill-down",
    [
        Column(_("message id"), "external_id"),
        Column(_("placed at (UTC)"), "placed_at"),
        Column(_("guild id"), "tenant__guild_id"),
        Column(_("capper"), "capper__display_name"),
        Column(_("league"), "d_league"),
        Column(_("market"), "d_market"),
        Column(_("stake units"), "stake_units"),
        Column(_("american odds"), "american_odds"),
        Column(_("status"), "status"),
    ],
    drill_export_rows,
    roles=ROLES,
)

dashboards_export = export_view(DASHBOARDS)
alert_rules_export = export_view(ALERT_RULES)
insights_export = export_view(INSIGHTS)
report_files_export = export_view(REPORT_FILES)
drill_export = export_view(DRILL_ROWS)
