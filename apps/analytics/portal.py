"""The analytics app's part of the staff portal: its pages in the navigation and the permissions its portal
actions need (registry: apps/core/portal.py; the views are apps/portal/views/analytics*.py).

BI reports: compliance officers define, run and download them, for tenants and for the platform; security
analysts read and download tenant reports. Platform reports need `analytics.manage_platform_reports`."""

from django.utils.translation import gettext_lazy as _

from apps.accounts.choices import StaffRole
from apps.core.portal import register_portal_page, register_portal_permission

OFFICER = StaffRole.COMPLIANCE_OFFICER.value
ANALYST = StaffRole.SECURITY_ANALYST.value
ROLES = [OFFICER, ANALYST]

# dashboards (issue #14 item 4): every portal role reads the dashboards and keeps its own
register_portal_page(_("Analytics"), _("Dashboards"), "portal:analytics_dashboards", roles=ROLES, order=50)

# alerting (issue #14 item 6): alert rules, silences and anomaly insights
register_portal_page(_("Analytics"), _("Alert rules"), "portal:analytics_alerts", roles=ROLES, order=91)
register_portal_page(_("Analytics"), _("Insights"), "portal:analytics_insights", roles=ROLES, order=92)
register_portal_permission("analytics.alerts_manage", "analytics.change_alertrule")
register_portal_permission("analytics.alerts_silence", "analytics.add_alertsilence")


register_portal_page(_("Analytics"), _("BI reports"), "portal:analytics_reports", roles=[OFFICER, ANALYST], order=70)

register_portal_permission("analytics.report_view", "analytics.view_reportrun")
register_portal_permission("analytics.report_define", "analytics.add_reportdefinition")
register_portal_permission("analytics.report_run", "analytics.add_reportrun")
register_portal_permission("analytics.report_download", "analytics.view_reportfile")
register_portal_permission("analytics.report_platform", "analytics.manage_platform_reports")
