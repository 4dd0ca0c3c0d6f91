"""The parser playground in the staff portal (apps/portal/views/ml_parser.py)."""

from apps.accounts.choices import StaffRole
from apps.core.portal import register_portal_page

register_portal_page(
    "Machine learning",
    "Bet-text parser",
    "portal:ml_parser",
    roles=[StaffRole.SECURITY_ANALYST.value, StaffRole.COMPLIANCE_OFFICER.value],
    order=130,
)
