"""Data-subject requests in the portal: the list, one request with its history and outputs, and the
staff actions on it (start and record the identity verification, assign, complete, reject, download
the export).

Every action is a CSRF-protected POST by a compliance officer (or superuser) signed in with a verified
second factor (`portal_view`), holding `privacy.change_datasubjectrequest`; it goes through the
privacy services, which hold the rules (a staff person acts, four eyes on completion), so a refusal
here is the same refusal the admin shows. The answer is a redirect back to the request's page with a
message (what was done, or why not).
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from apps.accounts.selectors import staff_role_members
from apps.core.actors import Actor, actor_for_request
from apps.core.errors import ApplicationError
from apps.core.portal import portal_user_may
from apps.portal.access import OFFICER, portal_view
from apps.portal.shell import paginate, render_portal
from apps.portal.triage import ASSIGN_ME
from apps.portal.views.exports import dsr_rows
from apps.portal.views.privacy_sla import request_sla
from apps.privacy import services as privacy_services
from apps.privacy.choices import RequestKind, RequestStatus, VerificationMethod
from apps.privacy.models import DataSubjectRequest
from apps.privacy.selectors.dashboard import dsr_sla
from apps.privacy.selectors.requests import latest_export, request_get

CHANGE = "privacy.request_change"
DOWNLOAD = "privacy.export_download"


def _officer_usernames() -> list[str]:
    return list(staff_role_members(role=OFFICER).order_by("username").values_list("username", flat=True))


class VerifyForm(forms.Form):
    method = forms.ChoiceField(choices=VerificationMethod.choices)
    note = forms.CharField(max_length=500, required=False)


class NoteForm(forms.Form):
    note = forms.CharField(max_length=2000, required=False)


class AssignForm(forms.Form):
    assignee = forms.CharField(
        max_length=150, required=False, help_text=gettext_lazy("A staff username, 'me', or empty.")
    )


class CompleteForm(forms.Form):
    resolution = forms.CharField(max_length=2000, required=False)
    confirm_erasure = forms.BooleanField(required=False)


class RejectForm(forms.Form):
    reason = forms.CharField(max_length=2000, strip=False)


def _verify(dsr: DataSubjectRequest, actor: Actor, data: dict, request: HttpRequest) -> str:
    privacy_services.request_verify_identity(request=dsr, actor=actor, **data)
    return "Identity verified: the request is in progress."


def _start_verification(dsr: DataSubjectRequest, actor: Actor, data: dict, request: HttpRequest) -> str:
    privacy_services.request_start_verification(request=dsr, actor=actor, **data)
    return "Verification started: the requester was asked to prove who they are."


def _assign(dsr: DataSubjectRequest, actor: Actor, data: dict, request: HttpRequest) -> str:
    assignee = data["assignee"].strip()
    username = request.user.get_username() if assignee == ASSIGN_ME else assignee or None
    privacy_services.request_assign(request=dsr, actor=actor, assignee=username)
    return f"Assigned to {username}." if username else "Unassigned."


def _complete(dsr: DataSubjectRequest, actor: Actor, data: dict, request: HttpRequest) -> str:
    # an erasure cannot be undone: the form says so and asks for a tick before anything runs
    if dsr.kind == RequestKind.ERASURE and not data["confirm_erasure"]:
        raise ApplicationError(_("Confirm that the erasure may go ahead: it cannot be undone."), code="not_confirmed")
    privacy_services.request_complete(request=dsr, actor=actor, resolution=data["resolution"])
    return f"Request completed ({dsr.get_kind_display()})."


def _reject(dsr: DataSubjectRequest, actor: Actor, data: dict, request: HttpRequest) -> str:
    privacy_services.request_reject(request=dsr, actor=actor, reason=data["reason"])
    return "Request rejected."


# the URL's action -> (form, service call returning the success message)
ACTIONS = {
    "start-verification": (NoteForm, _start_verification),
    "verify": (VerifyForm, _verify),
    "assign": (AssignForm, _assign),
    "complete": (CompleteForm, _complete),
    "reject": (RejectForm, _reject),
}


def _request_or_404(request_id: int) -> DataSubjectRequest:
    try:
        return request_get(request_id=request_id)
    except ApplicationError as missing:
        raise Http404(missing.message) from missing


def _form_errors(form: forms.Form) -> str:
    return " ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())


@never_cache
@require_safe
@portal_view(OFFICER)
def dsrs(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    page = paginate(request, dsr_rows(request))
    now = timezone.now()
    for dsr in page:
        dsr.sla = request_sla(dsr, now=now)
    context = {
        "page": page,
        "sla": dsr_sla(),
        "status": status,
        "statuses": RequestStatus.choices,
        "filtered": bool(status or request.GET.get("assignee")),
    }
    return render_portal(request, "portal/privacy/dsrs.html", context)


def _closed_by(history: list) -> str:
    """Who completed or rejected the request (the history row of its last status change), or ""."""
    closing = [row for row in history if row.to_status in (RequestStatus.COMPLETED, RequestStatus.REJECTED)]
    return closing[-1].actor_label if closing else ""


def _detail_context(request: HttpRequest, dsr: DataSubjectRequest) -> dict:
    exports = getattr(dsr, "prefetched_exports", [])
    may_act = portal_user_may(request.user, CHANGE)
    history = list(dsr.history.order_by("id"))
    return {
        "dsr": dsr,
        "now": timezone.now(),
        "sla": request_sla(dsr),
        "history": history,
        "closed_by": _closed_by(history),
        "export": exports[0] if exports else None,
        "certificate": getattr(dsr, "certificate", None),
        "may_act": may_act,
        "may_download": portal_user_may(request.user, DOWNLOAD),
        "methods": VerificationMethod.choices,
        "staff": _officer_usernames() if may_act else [],
        "can_verify": dsr.is_open and not dsr.is_verified,
        "can_complete": dsr.status == RequestStatus.IN_PROGRESS,
        "four_eyes": privacy_services.request_four_eyes_refusal(request=dsr, actor=actor_for_request(request))
        if dsr.status == RequestStatus.IN_PROGRESS
        else "",
        "is_erasure": dsr.kind == RequestKind.ERASURE,
    }


@never_cache
@require_safe
@portal_view(OFFICER)
def dsr_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    dsr = _request_or_404(request_id)
    return render_portal(request, "portal/privacy/dsr.html", _detail_context(request, dsr))


def _again(request: HttpRequest, dsr: DataSubjectRequest, action: str, problem: str, status: int) -> HttpResponse:
    """The request's page again with the problem beside the form that failed (a 4xx; nothing was written)."""
    messages.error(request, problem)
    fresh = _request_or_404(dsr.pk)
    context = {**_detail_context(request, fresh), "failed": action, "problem": problem}
    return render_portal(request, "portal/privacy/dsr.html", context, status=status)


@require_POST
@portal_view(OFFICER)
def dsr_action(request: HttpRequest, request_id: int, action: str) -> HttpResponse:
    """One staff action on a request, through its privacy service; the answer is the request's page (again,
    with the problem beside the form and a 4xx status, when the input is bad or the service refuses)."""
    if action not in ACTIONS:
        raise Http404("No such action.")
    dsr = _request_or_404(request_id)
    if not portal_user_may(request.user, CHANGE):
        raise PermissionDenied(_("Your role may read data-subject requests but not act on them."))
    form_class, call = ACTIONS[action]
    form = form_class(request.POST)
    if not form.is_valid():
        return _again(request, dsr, action, _form_errors(form), 400)
    try:
        done = call(dsr, actor_for_request(request), form.cleaned_data, request)
    except ApplicationError as refused:
        status = refused.status_code if 400 <= refused.status_code < 500 else 400
        return _again(request, dsr, action, refused.message, status)
    messages.success(request, done)
    return redirect("portal:dsr", request_id=dsr.pk)


@require_POST
@portal_view(OFFICER)
def dsr_export(request: HttpRequest, request_id: int) -> HttpResponse:
    """The zip of an access or portability request, checked against its SHA-256; every download audited."""
    dsr = _request_or_404(request_id)
    if not portal_user_may(request.user, DOWNLOAD):
        messages.error(request, _("Your role may not download data-subject exports."))
        return redirect("portal:dsr", request_id=dsr.pk)
    export = latest_export(request=dsr)
    if export is None:
        messages.error(
            request, _("This request has no export: only a completed access or portability request has one.")
        )
        return redirect("portal:dsr", request_id=dsr.pk)
    try:
        content = privacy_services.export_download(export=export, actor=actor_for_request(request))
    except ApplicationError as refused:
        messages.error(request, refused.message)
        return redirect("portal:dsr", request_id=dsr.pk)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="data-subject-request-{dsr.pk}.zip"'
    response["X-Content-SHA256"] = export.sha256
    response["Cache-Control"] = "private, no-store"
    return response
