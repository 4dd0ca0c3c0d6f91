"""The privacy app's part of the staff portal: the data-subject request pages in the navigation, the
data-protection and SLA widgets, and the permissions the request actions need (registry:
apps/core/portal.py; the views are apps/portal/views/privacy.py)."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.choices import StaffRole
from apps.core.portal import (
    register_portal_page,
    register_portal_permission,
    register_portal_refresh,
    register_portal_widget,
)
from apps.keyring.selectors import key_ring_status
from apps.privacy.selectors.dashboard import dsr_sla, retention_last_run
from apps.privacy.signals import data_subject_request_changed

OFFICER = StaffRole.COMPLIANCE_OFFICER.value
RETENTION_STALE_HOURS = 48


def _protection() -> dict:
    retention = retention_last_run()
    stale_before = timezone.now() - timedelta(hours=RETENTION_STALE_HOURS)
    return {
        "keyring": key_ring_status(),
        "retention": retention,
        "retention_stale": retention is None
        or retention.status != "succeeded"
        or (retention.finished_at or retention.started_at) < stale_before,
        "dsr": dsr_sla(),
    }


def _dsr() -> dict:
    return {"sla": dsr_sla()}


register_portal_page(_("Data protection"), _("Data-subject requests"), "portal:dsrs", roles=[OFFICER], order=80)

register_portal_widget("protection", _("Data protection"), "portal/widgets/protection.html", _protection, order=50)
register_portal_widget("dsr", _("Data-subject request SLA"), "portal/widgets/dsr.html", _dsr, order=60)

register_portal_permission("privacy.request_change", "privacy.change_datasubjectrequest")
register_portal_permission("privacy.export_download", "privacy.view_dataexport")

register_portal_refresh(data_subject_request_changed, "data_subject_request", ["dsr", "protection"])
