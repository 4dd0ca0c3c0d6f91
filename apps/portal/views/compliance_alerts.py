"""Compliance alerts in the portal: the list (open ones by default, or all; "acknowledged by me"), and what an
officer does with them: acknowledge (take it: it stops counting towards escalation), resolve with a note, or
either of them on several selected alerts at once (all or nothing).

Every write is a CSRF-protected POST through the compliance alert services (validated, audited, announced to
the live dashboard); the permission is the one apps/compliance/portal.py registered. A compliance alert has
no assignee: whoever acknowledges it owns it, so "acknowledged by me" is the list of one's own alerts.
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from apps.compliance.choices import AlertStatus
from apps.compliance.models import ComplianceAlert
from apps.compliance.selectors.alerts import alert_get, alert_list, open_alerts
from apps.compliance.services.alerts import alert_acknowledge as alert_acknowledge_service
from apps.compliance.services.alerts import alert_resolve as alert_resolve_service
from apps.core.actors import actor_for_request
from apps.core.errors import ApplicationError, ConflictError
from apps.core.portal import portal_user_may
from apps.portal.access import OFFICER, portal_view
from apps.portal.shell import paginate, render_portal
from apps.portal.triage import NOTE_MAX_LENGTH, require_triage, triage_bulk

ACKNOWLEDGE = "compliance.alert_acknowledge"
DENIED = gettext_lazy("Your role may not handle compliance alerts.")


def _rows(request: HttpRequest):
    rows = alert_list() if request.GET.get("all") == "1" else open_alerts()
    if request.GET.get("assignee") == "me":
        rows = rows.filter(acknowledged_by=request.user)
    return rows


def _list_page(request: HttpRequest, status: int = 200) -> HttpResponse:
    context = {
        "page": paginate(request, _rows(request)),
        "show_all": request.GET.get("all") == "1",
        "mine": request.GET.get("assignee") == "me",
        "may_handle": portal_user_may(request.user, ACKNOWLEDGE),
        "bulk_actions": [(value, label) for value, (label, _apply) in BULK_ACTIONS.items()],
    }
    return render_portal(request, "portal/compliance/alerts.html", context, status=status)


@never_cache
@require_safe
@portal_view(OFFICER)
def alerts(request: HttpRequest) -> HttpResponse:
    return _list_page(request)


def _back(request: HttpRequest) -> HttpResponse:
    query = request.GET.urlencode()
    return redirect(reverse("portal:alerts") + (f"?{query}" if query else ""))


def _alert_or_404(alert_id: int) -> ComplianceAlert:
    alert = alert_get(alert_id=alert_id)
    if alert is None:
        raise Http404("No such alert.")
    return alert


def _one(request: HttpRequest, alert_id: int, act, done: str) -> HttpResponse:
    """One action on one alert: 403 without the permission, the list again (4xx) with the reason when the
    service refuses, else back to the list as it was filtered."""
    require_triage(request, ACKNOWLEDGE, DENIED)
    alert = _alert_or_404(alert_id)
    try:
        act(alert, actor_for_request(request))
    except ApplicationError as refused:
        messages.error(request, refused.message)
        return _list_page(request, refused.status_code if 400 <= refused.status_code < 500 else 400)
    messages.success(request, done % {"id": alert.pk})
    return _back(request)


@require_POST
@portal_view(OFFICER)
def alert_acknowledge(request: HttpRequest, alert_id: int) -> HttpResponse:
    return _one(
        request,
        alert_id,
        lambda alert, actor: alert_acknowledge_service(alert=alert, user=request.user, actor=actor),
        _("Alert %(id)s acknowledged."),
    )


@require_POST
@portal_view(OFFICER)
def alert_resolve(request: HttpRequest, alert_id: int) -> HttpResponse:
    """Resolve with a note saying how (the service refuses an empty note: 400, nothing written)."""
    note = request.POST.get("note", "")

    def act(alert, actor):
        if len(note) > NOTE_MAX_LENGTH:
            raise ApplicationError(_("The note is at most %(max)d characters.") % {"max": NOTE_MAX_LENGTH})
        alert_resolve_service(alert=alert, actor=actor, user=request.user, note=note)

    return _one(request, alert_id, act, _("Alert %(id)s resolved."))


def _bulk_acknowledge(alert: ComplianceAlert, actor, note: str, request: HttpRequest) -> None:
    if alert.status in (AlertStatus.OPEN, AlertStatus.ESCALATED):  # an acknowledged one is already owned
        alert_acknowledge_service(alert=alert, user=request.user, actor=actor)
    elif alert.status == AlertStatus.RESOLVED:
        raise ConflictError(_("The alert is resolved already."), code="alert_resolved")


def _bulk_resolve(alert: ComplianceAlert, actor, note: str, request: HttpRequest) -> None:
    alert_resolve_service(alert=alert, actor=actor, user=request.user, note=note)


BULK_ACTIONS = {
    "acknowledge": (gettext_lazy("Acknowledge"), _bulk_acknowledge),
    "resolve": (gettext_lazy("Resolve (the note says how)"), _bulk_resolve),
}


@require_POST
@portal_view(OFFICER)
def alerts_bulk(request: HttpRequest) -> HttpResponse:
    return triage_bulk(
        request,
        permission=ACKNOWLEDGE,
        denied=DENIED,
        queryset=ComplianceAlert.objects.all(),
        actions=BULK_ACTIONS,
        back=lambda: _back(request),
        again=lambda status: _list_page(request, status),
    )
