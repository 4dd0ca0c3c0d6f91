"""The fraud app's part of the staff portal: the case pages in the navigation and the permission triage
needs (registry: apps/core/portal.py; the views are apps/portal/views/fraud.py)."""

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
from apps.fraud.selectors import fraud_case_open
from apps.fraud.signals import fraud_case_opened

ROLES = [StaffRole.COMPLIANCE_OFFICER.value, StaffRole.SECURITY_ANALYST.value]

register_portal_page(_("Security"), _("Fraud cases"), "portal:fraud_cases", roles=ROLES, order=70)
register_portal_permission("fraud.case_triage", "fraud.change_fraudcase")


def _tone(score: float) -> str:
    return "high" if score >= 0.8 else "medium" if score >= 0.5 else "low"


def _case_item(case) -> OpenItem:
    return OpenItem(
        tone=_tone(case.score),
        badge=f"{case.score:.2f}",
        label=f"{case.get_kind_display()}: {case.explanation}",
        state=case.get_status_display(),
        since=case.first_detected_at,
        url=reverse("portal:fraud_case", kwargs={"case_id": case.pk}),
    )


def _open_cases() -> dict:
    cases = fraud_case_open()
    return open_items_context(
        count=cases.count(),
        rows=cases[:OPEN_ITEMS_LIMIT],
        item=_case_item,
        count_label=_("fraud cases open"),
        list_url_name="portal:fraud_cases",
        list_label=_("All fraud cases"),
        empty_text=_("The detectors open a case when a pattern crosses its threshold; the scan runs on a schedule."),
    )


register_portal_widget("fraud_cases", _("Open fraud cases"), OPEN_ITEMS_TEMPLATE, _open_cases, order=72)
register_portal_refresh(fraud_case_opened, "fraud_case", ["fraud_cases"])
