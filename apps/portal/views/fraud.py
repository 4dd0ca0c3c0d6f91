"""Fraud cases in the portal: the list (with bulk triage), one case with its history, triage (through the
fraud app's services; the permission it needs is the one apps/fraud/portal.py registered). Closing a case
is a verdict (confirmed or dismissed) with a note; escalating is investigating it, or declaring an incident
from it (the declare form comes filled in)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from apps.core.actors import actor_for_request
from apps.core.errors import ApplicationError
from apps.core.portal import portal_user_may
from apps.fraud.choices import CaseStatus
from apps.fraud.models import FraudCase
from apps.fraud.selectors import fraud_case_get
from apps.fraud.services import fraud_case_triage, fraud_scan_request
from apps.portal.access import ANALYST, OFFICER, SUPERUSER, portal_view
from apps.portal.shell import paginate, render_portal
from apps.portal.triage import assignable_usernames, require_triage, triage_bulk, triage_post
from apps.portal.views.exports import fraud_case_rows

TRIAGE = "fraud.case_triage"
DENIED = gettext_lazy("Your role may read fraud cases but not triage them.")


def _case_or_404(case_id: int) -> FraudCase:
    try:
        return fraud_case_get(case_id=case_id)
    except ApplicationError as missing:
        raise Http404(missing.message) from missing


def _list_page(request: HttpRequest, status: int = 200) -> HttpResponse:
    filter_status = request.GET.get("status", "")
    context = {
        "page": paginate(request, fraud_case_rows(request)),
        "status": filter_status,
        "statuses": CaseStatus.choices,
        "may_triage": portal_user_may(request.user, TRIAGE),
        "bulk_actions": [(value, label) for value, (label, _apply) in BULK_ACTIONS.items()],
        "filtered": bool(filter_status or request.GET.get("assignee")),
    }
    return render_portal(request, "portal/fraud/cases.html", context, status=status)


@never_cache
@require_safe
@portal_view(OFFICER, ANALYST)
def fraud_cases(request: HttpRequest) -> HttpResponse:
    return _list_page(request)


def _incident_link(case: FraudCase) -> str:
    """The declare-incident form filled in from the case (the analyst still checks and submits it)."""
    query = {
        "title": _("Fraud case #%(id)s: %(kind)s") % {"id": case.pk, "kind": case.get_kind_display()},
        "kind": "fraud_ring",
        "description": case.explanation[:1500],
    }
    return f"{reverse('portal:incident_declare')}?{urlencode(query)}"


def _detail_page(request: HttpRequest, case: FraudCase, status: int = 200) -> HttpResponse:
    may_triage = portal_user_may(request.user, TRIAGE)
    context = {
        "case": case,
        "history": list(case.history.order_by("id")),
        "statuses": CaseStatus.choices,
        "may_triage": may_triage,
        "assignees": assignable_usernames(ANALYST, SUPERUSER) if may_triage else [],
        "current_assignee": case.assignee.get_username() if case.assignee else "",
        "may_declare": portal_user_may(request.user, "incidents.declare"),
        "incident_link": _incident_link(case),
    }
    return render_portal(request, "portal/fraud/case.html", context, status=status)


@never_cache
@require_safe
@portal_view(OFFICER, ANALYST)
def fraud_case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    return _detail_page(request, _case_or_404(case_id))


@require_POST
@portal_view(OFFICER, ANALYST)
def fraud_case_triage_view(request: HttpRequest, case_id: int) -> HttpResponse:
    return triage_post(
        request,
        permission=TRIAGE,
        denied=DENIED,
        target=lambda: _case_or_404(case_id),
        triage=lambda case, actor, changes: fraud_case_triage(case=case, actor=actor, **changes),
        assignee_for=lambda username: username,  # the fraud service takes usernames (and refuses unknown ones)
        label=_("Case"),
        back=lambda: redirect("portal:fraud_case", case_id=case_id),
        again=lambda case, status: _detail_page(request, _case_or_404(case.pk), status),
    )


def _to_status(status: str):
    def apply(case: FraudCase, actor, note: str, request: HttpRequest) -> None:
        if case.status != status:
            fraud_case_triage(case=case, actor=actor, status=status, note=note)

    return apply


def _assign_to_me(case: FraudCase, actor, note: str, request: HttpRequest) -> None:
    fraud_case_triage(case=case, actor=actor, assignee=request.user.get_username(), note=note)


# the bulk form's actions: value -> (label, apply to one case)
BULK_ACTIONS = {
    "assign_me": (gettext_lazy("Assign to me"), _assign_to_me),
    "investigate": (gettext_lazy("Investigate (escalate)"), _to_status(CaseStatus.INVESTIGATING)),
    "confirm": (gettext_lazy("Close as confirmed fraud"), _to_status(CaseStatus.CONFIRMED)),
    "dismiss": (gettext_lazy("Close as dismissed (not fraud)"), _to_status(CaseStatus.DISMISSED)),
}


@require_POST
@portal_view(OFFICER, ANALYST)
def fraud_cases_bulk(request: HttpRequest) -> HttpResponse:
    """One triage action on the cases selected on the list (all or nothing); back to the list as filtered."""
    query = request.GET.urlencode()
    return triage_bulk(
        request,
        permission=TRIAGE,
        denied=DENIED,
        queryset=FraudCase.objects.all(),
        actions=BULK_ACTIONS,
        back=lambda: redirect(reverse("portal:fraud_cases") + (f"?{query}" if query else "")),
        again=lambda status: _list_page(request, status),
    )


@require_POST
@portal_view(OFFICER, ANALYST)
def fraud_scan_now(request: HttpRequest) -> HttpResponse:
    """Ask for the full scan now (audited); its cases appear on the list when a worker has run it."""
    require_triage(request, TRIAGE, DENIED)
    fraud_scan_request(actor=actor_for_request(request))
    messages.success(request, _("Scan requested: the cases it opens appear here once a worker has run it."))
    return redirect("portal:fraud_cases")
