"""The portal's own page in the navigation registry (apps/core/portal.py); the domain apps register theirs
in their portal.py, which `PortalConfig.ready()` imports."""

from django.utils.translation import gettext_lazy as _

from apps.core.portal import register_portal_page
from apps.portal.access import ANALYST, OFFICER


def register() -> None:
    register_portal_page(_("Compliance"), _("Dashboard"), "portal:dashboard", roles=(OFFICER, ANALYST), order=10)
