"""The audit trail's part of the staff portal: the dashboard's audit activity widget (registry:
apps/core/portal.py; apps/portal renders it). Any portal role sees it, so it names no role."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from apps.audit import charts
from apps.audit.selectors import audit_activity
from apps.core.portal import register_portal_widget


def _audit() -> dict:
    hours = settings.PORTAL_AUDIT_ACTIVITY_HOURS
    slots, counts = audit_activity(hours=hours)
    labels = [slot.strftime("%H:00") for slot in slots]
    return {
        "total": sum(counts),
        "hours": hours,
        "last_hour": counts[-1] if counts else 0,
        "figure": charts.audit_activity_figure(labels, counts),
    }


register_portal_widget("audit", _("Audit activity"), "portal/widgets/audit.html", _audit, order=40)
