"""The bet-slip OCR playground in the staff portal (apps/portal/views/ml_vision.py)."""

from django.utils.translation import gettext_lazy as _

from apps.accounts.choices import StaffRole
from apps.core.portal import register_portal_page

register_portal_page(
    _("Machine learning"),
    _("Bet-slip OCR"),
    "portal:ml_vision",
    roles=[StaffRole.SECURITY_ANALYST.value, StaffRole.COMPLIANCE_OFFICER.value],
    order=135,
)
