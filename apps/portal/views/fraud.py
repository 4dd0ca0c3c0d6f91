"""Fraud cases in the portal: the list, one case with its history, triage (through the fraud app's
services; the permission it needs is the one apps/fraud/portal.py registered)."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from apps.core.errors import ApplicationError
from apps.core.portal import portal_user_may
from apps.fraud.choices import CaseStatus
from apps.fraud.models import FraudCase
from apps.fraud.selectors import fraud_case_get
from apps.fraud.services import fraud_case_triage
from apps.portal.access import ANALYST, OFFICER, portal_view
from apps.portal.shell import paginate, render_portal
from apps.portal.triage import triage_post
from apps.portal.views.exports import fraud_case_rows

TRIAGE = "fraud.case_triage"


def _case_or_404(case_id: int) -> FraudCase:
    try:
        return fraud_case_get(case_id=case_id)
    except ApplicationError as missing:
        raise Http404(missing.message) from missing


@never_cache
@require_safe
@portal_view(OFFICER, ANALYST)
def fraud_cases(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    rows = fraud_case_rows(request)
    context = {"page": paginate(request, rows), "status": status, "statuses": CaseStatus.choices}
    return render_portal(request, "portal/fraud/cases.html", context)


@never_cache
@require_safe
@portal_view(OFFICER, ANALYST)
def fraud_case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case_or_404(case_id)
    context = {
        "case": case,
        "history": list(case.history.order_by("id")),
        "statuses": CaseStatus.choices,
        "may_triage": portal_user_may(request.user, TRIAGE),
    }
    return render_portal(request, "portal/fraud/case.html", context)


@require_POST
@portal_view(OFFICER, ANALYST)
def fraud_case_triage_view(request: HttpRequest, case_id: int) -> HttpResponse:
    return triage_post(
        request,
        permission=TRIAGE,
        denied="Your role may read fraud cases but not triage them.",
        target=lambda: _case_or_404(case_id),
        triage=lambda case, actor, changes: fraud_case_triage(case=case, actor=actor, **changes),
        assignee=request.user.get_username(),
        label=gettext_lazy("Case"),
        back=lambda: redirect("portal:fraud_case", case_id=case_id),
    )
