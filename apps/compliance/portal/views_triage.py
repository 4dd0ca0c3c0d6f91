"""Security alerts and fraud cases (triage through their apps' services); data-subject requests are in
views_privacy."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from apps.compliance.portal.access import ANALYST, OFFICER, portal_view
from apps.compliance.portal.shell import paginate, render_portal
from apps.core.actors import actor_for_request
from apps.core.errors import ApplicationError
from apps.fraud.choices import CaseStatus
from apps.fraud.selectors import fraud_case_get, fraud_case_list
from apps.fraud.services import fraud_case_triage
from apps.security.choices import AlertStatus
from apps.security.selectors import alert_list
from apps.security.services import alert_triage

ASSIGN_ME = "me"


def _may_triage(request: HttpRequest, permission: str) -> bool:
    return request.user.has_perm(permission)


# --- security alerts ------------------------------------------------------------------------------


@never_cache
@require_safe
@portal_view(OFFICER, ANALYST)
def security_alerts(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    rows = alert_list().prefetch_related(None).select_related("rule", "assignee")
    if status in AlertStatus.values:
        rows = rows.filter(status=status)
    context = {"page": paginate(request, rows), "status": status, "statuses": AlertStatus.choices}
    return render_portal(request, "portal/security/alerts.html", context)


@never_cache
@require_safe
@portal_view(OFFICER, ANALYST)
def security_alert_detail(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = alert_list().filter(pk=alert_id).first()
    if alert is None:
        raise Http404("No such alert.")
    context = {
        "alert": alert,
        "activities": list(alert.activities.all()),
        "statuses": AlertStatus.choices,
        "may_triage": _may_triage(request, "security.change_alert"),
    }
    return render_portal(request, "portal/security/alert.html", context)


@require_POST
@portal_view(OFFICER, ANALYST)
def security_alert_triage(request: HttpRequest, alert_id: int) -> HttpResponse:
    if not _may_triage(request, "security.change_alert"):
        messages.error(request, "Your role may read alerts but not triage them.")
        return redirect("portal:security_alert", alert_id=alert_id)
    alert = alert_list().filter(pk=alert_id).first()
    if alert is None:
        raise Http404("No such alert.")
    kwargs = {"note": request.POST.get("note", "")[:2000]}
    if request.POST.get("status"):
        kwargs["status"] = request.POST["status"]
    if request.POST.get("assign") == ASSIGN_ME:
        kwargs["assignee"] = request.user
    try:
        alert_triage(alert=alert, actor=actor_for_request(request), **kwargs)
    except ApplicationError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, f"Alert {alert.pk} updated.")
    return redirect("portal:security_alert", alert_id=alert_id)


# --- fraud cases ----------------------------------------------------------------------------------


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
        "may_triage": _may_triage(request, "fraud.change_fraudcase"),
    }
    return render_portal(request, "portal/fraud/case.html", context)


@require_POST
@portal_view(OFFICER, ANALYST)
def fraud_case_triage_view(request: HttpRequest, case_id: int) -> HttpResponse:
    if not _may_triage(request, "fraud.change_fraudcase"):
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
