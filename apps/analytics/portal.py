"""The analytics app's part of the staff portal: its pages in the navigation and the permissions its
portal actions need (registry: apps/core/portal.py; the views are apps/portal/views/analytics*.py)."""

from apps.accounts.choices import StaffRole
from apps.core.portal import register_portal_page, register_portal_permission

ROLES = [StaffRole.COMPLIANCE_OFFICER.value, StaffRole.SECURITY_ANALYST.value]

# alerting (issue #14 item 6): alert rules, silences and anomaly insights
register_portal_page("Analytics", "Alert rules", "portal:analytics_alerts", roles=ROLES, order=91)
register_portal_page("Analytics", "Insights", "portal:analytics_insights", roles=ROLES, order=92)
register_portal_permission("analytics.alerts_manage", "analytics.change_alertrule")
register_portal_permission("analytics.alerts_silence", "analytics.add_alertsilence")
