"""Fraud cases in the portal: the list, one case with its history, triage (through the fraud app's
services; the permission it needs is the one apps/fraud/portal.py registered)."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from apps.core.actors import actor_for_request
from apps.core.errors import ApplicationError
from apps.core.portal import portal_user_may
from apps.fraud.choices import CaseStatus
from apps.fraud.selectors import fraud_case_get, fraud_case_list
from apps.fraud.services import fraud_case_triage
from apps.portal.access import ANALYST, OFFICER, portal_view
from apps.portal.shell import paginate, render_portal

ASSIGN_ME = "me"
TRIAGE = "fraud.case_triage"


@never_cache
@require_safe
@portal_view(OFFICER, ANALYST)
def fraud_cases(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    rows = fraud_case_list(status=status if status in CaseStatus.values else None)
    context = {"page": paginate(request, rows), "status": status, "statuses": CaseStatus.choices}
    return render_portal(request, "portal/fraud/cases.html", context)


@never_cache
@require_safe
@portal_view(OFFICER, ANALYST)
def fraud_case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    try:
        case = fraud_case_get(case_id=case_id)
    except ApplicationError as missing:
        raise Http404(missing.message) from missing
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
    if not portal_user_may(request.user, TRIAGE):
        messages.error(request, "Your role may read fraud cases but not triage them.")
        return redirect("portal:fraud_case", case_id=case_id)
    try:
        case = fraud_case_get(case_id=case_id)
    except ApplicationError as missing:
        raise Http404(missing.message) from missing
    kwargs = {"note": request.POST.get("note", "")[:2000]}
    if request.POST.get("status"):
        kwargs["status"] = request.POST["status"]
    if request.POST.get("assign") == ASSIGN_ME:
        kwargs["assignee"] = request.user.get_username()
    try:
        fraud_case_triage(case=case, actor=actor_for_request(request), **kwargs)
    except ApplicationError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, f"Case {case.pk} updated.")
    return redirect("portal:fraud_case", case_id=case_id)
