"""The fraud app's part of the staff portal: the case pages in the navigation and the permission triage
needs (registry: apps/core/portal.py; the views are apps/portal/views/fraud.py)."""

from django.utils.translation import gettext_lazy as _

from apps.accounts.choices import StaffRole
from apps.core.portal import register_portal_page, register_portal_permission

ROLES = [StaffRole.COMPLIANCE_OFFICER.value, StaffRole.SECURITY_ANALYST.value]

register_portal_page(_("Security"), _("Fraud cases"), "portal:fraud_cases", roles=ROLES, order=70)
register_portal_permission("fraud.case_triage", "fraud.change_fraudcase")
