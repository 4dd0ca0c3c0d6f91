"""Security alerts in the portal: the list, one alert with its activity, triage (through the security
app's services; the permission it needs is the one apps/security/portal.py registered)."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from apps.core.portal import portal_user_may
from apps.portal.access import ANALYST, OFFICER, portal_view
from apps.portal.shell import paginate, render_portal
from apps.portal.triage import triage_post
from apps.portal.views.exports import alert_rows
from apps.security.choices import AlertStatus
from apps.security.models import Alert
from apps.security.selectors import alert_list
from apps.security.services import alert_triage

TRIAGE = "security.alert_triage"


def _alert_or_404(alert_id: int) -> Alert:
    alert = alert_list().filter(pk=alert_id).first()
    if alert is None:
        raise Http404("No such alert.")
    return alert


@never_cache
@require_safe
@portal_view(OFFICER, ANALYST)
def security_alerts(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    rows = alert_rows(request)
    context = {"page": paginate(request, rows), "status": status, "statuses": AlertStatus.choices}
    return render_portal(request, "portal/security/alerts.html", context)


@never_cache
@require_safe
@portal_view(OFFICER, ANALYST)
def security_alert_detail(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = _alert_or_404(alert_id)
    context = {
        "alert": alert,
        "activities": list(alert.activities.all()),
        "statuses": AlertStatus.choices,
        "may_triage": portal_user_may(request.user, TRIAGE),
    }
    return render_portal(request, "portal/security/alert.html", context)


@require_POST
@portal_view(OFFICER, ANALYST)
def security_alert_triage(request: HttpRequest, alert_id: int) -> HttpResponse:
    return triage_post(
        request,
        permission=TRIAGE,
        denied="Your role may read alerts but not triage them.",
        target=lambda: _alert_or_404(alert_id),
        triage=lambda alert, actor, changes: alert_triage(alert=alert, actor=actor, **changes),
        assignee=request.user,
        label=gettext_lazy("Alert"),
        back=lambda: redirect("portal:security_alert", alert_id=alert_id),
    )
