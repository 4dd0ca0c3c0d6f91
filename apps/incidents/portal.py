"""The incidents app's part of the staff portal: its pages in the navigation and the permissions its portal
actions need (registry: apps/core/portal.py; the views are apps/portal/views/incidents*.py).

Security analysts run incidents (declare, acknowledge, move, note, act on playbook steps, add evidence);
compliance officers read them, handle evidence and regulatory clocks and approve reviews."""

from django.utils.translation import gettext_lazy as _

from apps.accounts.choices import StaffRole
from apps.core.portal import register_portal_page, register_portal_permission

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
