"""The security app's part of the staff portal: the alert pages in the navigation and the permission
triage needs (registry: apps/core/portal.py; the views are apps/portal/views/security.py)."""

from django.utils.translation import gettext_lazy as _

from apps.accounts.choices import StaffRole
from apps.core.portal import register_portal_page, register_portal_permission

ROLES = [StaffRole.COMPLIANCE_OFFICER.value, StaffRole.SECURITY_ANALYST.value]

register_portal_page(_("Security"), _("Security alerts"), "portal:security_alerts", roles=ROLES, order=60)
register_portal_permission("security.alert_triage", "security.change_alert")
