"""API management's page in the staff portal: usage per key and route (apps/portal/views/integration_usage.py)."""

from django.utils.translation import gettext_lazy as _

from apps.accounts.choices import StaffRole
from apps.core.portal import register_portal_page

register_portal_page(
    _("Integration"), _("API usage"), "portal:integration_usage", roles=[StaffRole.SECURITY_ANALYST.value], order=90
)
