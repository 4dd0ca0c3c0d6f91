"""The experiments' part of the staff portal (imported by apps/ml/registrations.py until apps/ml/portal.py holds
every ml page): the pages under "Machine learning" and the permissions their actions need."""

from django.utils.translation import gettext_lazy as _

from apps.accounts.choices import StaffRole
from apps.core.portal import register_portal_page, register_portal_permission

ROLES = [StaffRole.COMPLIANCE_OFFICER.value, StaffRole.SECURITY_ANALYST.value]

register_portal_page(_("Machine learning"), _("Experiments"), "portal:ml_experiments", roles=ROLES, order=64)
register_portal_page(_("Machine learning"), _("Bandits"), "portal:ml_bandits", roles=ROLES, order=65)
register_portal_permission("ml.experiment_manage", "ml.change_experiment")
register_portal_permission("ml.bandit_manage", "ml.change_bandit")
