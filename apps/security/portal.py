"""The security app's part of the staff portal: the alert pages in the navigation and the permission
triage needs (registry: apps/core/portal.py; the views are apps/portal/views/security.py)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.accounts.choices import StaffRole
from apps.core.portal import (
    register_portal_page,
    register_portal_permission,
    register_portal_refresh,
    register_portal_widget,
)
from apps.core.portal_items import OPEN_ITEMS_LIMIT, OPEN_ITEMS_TEMPLATE, OpenItem, open_items_context
from apps.security.selectors import alert_open
from apps.security.signals import alert_raised

ROLES = [StaffRole.COMPLIANCE_OFFICER.value, StaffRole.SECURITY_ANALYST.value]

register_portal_page(_("Security"), _("Security alerts"), "portal:security_alerts", roles=ROLES, order=60)
register_portal_permission("security.alert_triage", "security.change_alert")


def _alert_item(alert) -> OpenItem:
    return OpenItem(
        tone=alert.severity,
        badge=alert.get_severity_display(),
        label=alert.title,
        state=alert.get_status_display(),
        since=alert.first_seen_at,
        url=reverse("portal:security_alert", kwargs={"alert_id": alert.pk}),
    )


def _open_alerts() -> dict:
    alerts = alert_open()
    return open_items_context(
        count=alerts.count(),
        rows=alerts[:OPEN_ITEMS_LIMIT],
        item=_alert_item,
        count_label=_("security alerts open"),
        list_url_name="portal:security_alerts",
        list_label=_("All security alerts"),
        empty_text=_("The detection rules raise an alert from the security events (failed logins, bad API keys …)."),
    )


register_portal_widget("security_alerts", _("Open security alerts"), OPEN_ITEMS_TEMPLATE, _open_alerts, order=71)
register_portal_refresh(alert_raised, "security_alert", ["security_alerts"])
