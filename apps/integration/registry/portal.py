"""The registry's portal page (views: apps/portal/views/integration_registry.py): the map of services,
instances and checks, and each check's history. For security analysts (operations); superusers see all."""

from django.utils.translation import gettext_lazy as _

from apps.accounts.choices import StaffRole
from apps.core.portal import register_portal_page

register_portal_page(
    _("Integration"),
    _("Service registry"),
    "portal:integration_registry",
    roles=[StaffRole.SECURITY_ANALYST.value],
    order=60,
)
