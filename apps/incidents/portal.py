"""The incidents app's part of the staff portal: its pages in the navigation and the permissions its portal
actions need (registry: apps/core/portal.py; the views are apps/portal/views/incidents*.py).

Security analysts run incidents (declare, acknowledge, move, note, act on playbook steps, add evidence);
compliance officers read them, handle evidence and regulatory clocks and approve reviews."""

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
from apps.incidents.selectors import incident_open
from apps.incidents.signals import incident_opened, incident_status_changed

ROLES = [StaffRole.COMPLIANCE_OFFICER.value, StaffRole.SECURITY_ANALYST.value]
RESPONDERS = [StaffRole.SECURITY_ANALYST.value]

register_portal_page(_("Incidents"), _("Incidents"), "portal:incidents", roles=ROLES, order=40)
register_portal_page(_("Incidents"), _("Incident board"), "portal:incident_board", roles=ROLES, order=41)
register_portal_page(_("Incidents"), _("Declare incident"), "portal:incident_declare", roles=RESPONDERS, order=42)
register_portal_page(_("Incidents"), _("Incident metrics"), "portal:incident_metrics", roles=ROLES, order=43)

register_portal_permission("incidents.view", "incidents.view_incident")
register_portal_permission("incidents.declare", "incidents.add_incident")
register_portal_permission("incidents.respond", "incidents.change_incident")
register_portal_permission("incidents.step", "incidents.change_steprun")
register_portal_permission("incidents.evidence_add", "incidents.add_evidence")
register_portal_permission("incidents.evidence_access", "incidents.access_evidence")
register_portal_permission("incidents.clock", "incidents.change_regulatoryclock")
register_portal_permission("incidents.review_edit", "incidents.change_review")
register_portal_permission("incidents.review_approve", "incidents.approve_review")


def _incident_item(incident) -> OpenItem:
    return OpenItem(
        tone=incident.severity,
        badge=incident.get_severity_display(),
        label=incident.title,
        state=incident.get_status_display(),
        since=incident.detected_at,
        url=reverse("portal:incident", kwargs={"incident_id": incident.pk}),
    )


def _open_incidents() -> dict:
    incidents = incident_open()
    return open_items_context(
        count=incidents.count(),
        rows=incidents[:OPEN_ITEMS_LIMIT],
        item=_incident_item,
        count_label=_("incidents open"),
        list_url_name="portal:incidents",
        list_label=_("All incidents"),
        empty_text=_("Incident rules open one from a high alert or case; an analyst can also declare one."),
    )


register_portal_widget("incidents", _("Open incidents"), OPEN_ITEMS_TEMPLATE, _open_incidents, order=70)
register_portal_refresh(incident_opened, "incident_opened", ["incidents"])
register_portal_refresh(incident_status_changed, "incident_status", ["incidents"])
