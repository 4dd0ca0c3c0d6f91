"""The analytics app's part of the staff portal: its pages in the navigation (registry: apps/core/portal.py; the
views are apps/portal/views/analytics*.py). Every portal role reads the dashboards and keeps its own."""

from apps.accounts.choices import StaffRole
from apps.core.portal import register_portal_page

ROLES = [StaffRole.COMPLIANCE_OFFICER.value, StaffRole.SECURITY_ANALYST.value]

register_portal_page("Analytics", "Dashboards", "portal:analytics_dashboards", roles=ROLES, order=50)
