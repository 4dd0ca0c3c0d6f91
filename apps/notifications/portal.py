"""The notification layer's part of the staff portal: the inbox in the navigation, for every portal role
(registry: apps/core/portal.py; the views are apps/portal/views/inbox.py)."""

from django.utils.translation import gettext_lazy as _

from apps.accounts.choices import StaffRole
from apps.core.portal import register_portal_page

ROLES = [StaffRole.COMPLIANCE_OFFICER.value, StaffRole.SECURITY_ANALYST.value]

register_portal_page(_("Inbox"), _("Notifications"), "notifications:inbox", roles=ROLES, order=5)
