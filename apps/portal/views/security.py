"""Security alerts in the portal: the list (with bulk triage), one alert with its activity, triage (through
the security app's services; the permission it needs is the one apps/security/portal.py registered)."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from apps.core.portal import portal_user_may
from apps.portal.access import ANALYST, OFFICER, SUPERUSER, portal_view
from apps.portal.shell import paginate, render_portal
from apps.portal.triage import assignable_usernames, triage_bulk, triage_post
from apps.portal.views.exports import alert_rows
from apps.security.choices import AlertStatus
from apps.security.models import Alert
from apps.security.selectors import alert_list
from apps.security.services import alert_assignee_by_username, alert_triage

TRIAGE = "security.alert_triage"
DENIED = gettext_lazy("Your role may read alerts but not triage them.")


def _alert_or_404(alert_id: int) -> Alert:
    alert = alert_list().filter(pk=alert_id).first()
    if alert is None:
        raise Http404("No such alert.")
    return alert


def _list_page(request: HttpRequest, status: int = 200) -> HttpResponse:
    filter_status = request.GET.get("status", "")
    context = {
        "page": paginate(request, alert_rows(request)),
        "status": filter_status,
        "statuses": AlertStatus.choices,
        "may_triage": portal_user_may(request.user, TRIAGE),
        "bulk_actions": [(value, label) for value, (label, _apply) in BULK_ACTIONS.items()],
        "filtered": bool(filter_status or request.GET.get("assignee")),
    }
    return render_portal(request, "portal/security/alerts.html", context, status=status)


@never_cache
@require_safe
@portal_view(OFFICER, ANALYST)
def security_alerts(request: HttpRequest) -> HttpResponse:
    return _list_page(request)


def _detail_page(request: HttpRequest, alert: Alert, status: int = 200) -> HttpResponse:
    may_triage = portal_user_may(request.user, TRIAGE)
    context = {
        "alert": alert,
        "activities": list(alert.activities.all()),
        "statuses": AlertStatus.choices,
        "may_triage": may_triage,
        "assignees": assignable_usernames(ANALYST, SUPERUSER) if may_triage else [],
        "current_assignee": alert.assignee.get_username() if alert.assignee else "",
    }
    return render_portal(request, "portal/security/alert.html", context, status=status)


@never_cache
@require_safe
@portal_view(OFFICER, ANALYST)
def security_alert_detail(request: HttpRequest, alert_id: int) -> HttpResponse:
    return _detail_page(request, _alert_or_404(alert_id))


@require_POST
@portal_view(OFFICER, ANALYST)
def security_alert_triage(request: HttpRequest, alert_id: int) -> HttpResponse:
    return triage_post(
        request,
        permission=TRIAGE,
        denied=DENIED,
        target=lambda: _alert_or_404(alert_id),
        triage=lambda alert, actor, changes: alert_triage(alert=alert, actor=actor, **changes),
        assignee_for=alert_assignee_by_username,
        label=_("Alert"),
        back=lambda: redirect("portal:security_alert", alert_id=alert_id),
        again=lambda alert, status: _detail_page(request, _alert_or_404(alert.pk), status),
    )


def _to_status(status: str):
    def apply(alert: Alert, actor, note: str, request: HttpRequest) -> None:
        if alert.status != status:  # already there: nothing to do for this row
            alert_triage(alert=alert, actor=actor, status=status, note=note)

    return apply


def _assign_to_me(alert: Alert, actor, note: str, request: HttpRequest) -> None:
    if alert.assignee_id != request.user.pk:
        alert_triage(alert=alert, actor=actor, assignee=request.user, note=note)


# the bulk form's actions: value -> (label, apply to one alert); a false positive is "dismissed"
BULK_ACTIONS = {
    "acknowledge": (gettext_lazy("Acknowledge"), _to_status(AlertStatus.ACKNOWLEDGED)),
    "assign_me": (gettext_lazy("Assign to me"), _assign_to_me),
    "resolve": (gettext_lazy("Resolve"), _to_status(AlertStatus.RESOLVED)),
    "dismiss": (gettext_lazy("Dismiss as a false positive"), _to_status(AlertStatus.DISMISSED)),
}


@require_POST
@portal_view(OFFICER, ANALYST)
def security_alerts_bulk(request: HttpRequest) -> HttpResponse:
    """One triage action on the alerts selected on the list (all or nothing); back to the list as filtered."""
    query = request.GET.urlencode()
    return triage_bulk(
        request,
        permission=TRIAGE,
        denied=DENIED,
        queryset=Alert.objects.all(),
        actions=BULK_ACTIONS,
        back=lambda: redirect(reverse("portal:security_alerts") + (f"?{query}" if query else "")),
        again=lambda status: _list_page(request, status),
    )
