"""The ml app's part of the staff portal: its pages under "Machine learning" and the permissions its portal
actions need (registry: apps/core/portal.py; views: apps/portal/views/ml_*.py). One block per area.

The registry (mlreg): compliance officers and security analysts read every registry page and decide other
people's promotion requests; security analysts also train models, request promotions and move or roll back
aliases (apps/accounts/roles.py). Superusers may do everything."""

from django.utils.translation import gettext_lazy as _

from apps.accounts.choices import StaffRole
from apps.core.portal import register_portal_page, register_portal_permission

ROLES = [StaffRole.COMPLIANCE_OFFICER.value, StaffRole.SECURITY_ANALYST.value]

register_portal_page(_("Machine learning"), _("Models"), "portal:ml_models", roles=ROLES, order=60)
register_portal_page(_("Machine learning"), _("Training jobs"), "portal:ml_jobs", roles=ROLES, order=61)
register_portal_page(_("Machine learning"), _("Prediction log"), "portal:ml_predictions", roles=ROLES, order=62)
register_portal_page(_("Machine learning"), _("Feature drift"), "portal:ml_drift", roles=ROLES, order=63)

register_portal_permission("ml.train", "ml.add_trainingjob")
register_portal_permission("ml.request_promotion", "ml.add_promotionrequest")
register_portal_permission("ml.decide_promotion", "ml.decide_promotionrequest")
register_portal_permission("ml.move_alias", "ml.move_modelalias")
