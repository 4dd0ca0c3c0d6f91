"""The portal's alerting pages (issue #14 item 6): alert rules with the state of their series, creating,
changing, pausing and resuming a rule, silences (create, end early), and the anomaly insights with their
expected ranges. Every page needs a portal role with a verified second factor; writes are CSRF-protected
POSTs through the analytics services (one transaction, one audit event); bad input shows the form again with
the service's message (a bad query names what is allowed) and writes nothing; a role without the
permission gets 403."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.analytics.selectors.alerting import (
    alert_metric_options,
    alert_rule_get,
    alert_rule_history,
    alert_rule_instances,
    alert_rule_list,
    alert_silence_get,
    alert_silence_list,
    insight_list,
    insight_scans_not_judged,
)
from apps.analytics.services.alerting import (
    alert_rule_create,
    alert_rule_set_enabled,
    alert_rule_update,
    alert_silence_create,
    alert_silence_expire,
)
from apps.core.actors import actor_for_request
from apps.core.errors import ApplicationError
from apps.core.portal import portal_user_may
from apps.portal.access import ANALYST, OFFICER, portal_view
from apps.portal.shell import paginate, render_portal
from apps.portal.views.analytics_alerts_forms import EnableForm, RuleForm, SilenceForm
from apps.tenants.selectors import tenant_get

ROLES = (OFFICER, ANALYST)


def _require(request: HttpRequest, action: str, what: str) -> None:
    if not portal_user_may(request.user, action):
        raise PermissionDenied(f"Your role may read alerts but not {what}.")


def _rule_or_404(rule_id: int):
    rule = alert_rule_get(rule_id=rule_id)
    if rule is None:
        raise Http404("No such alert rule.")
    return rule


@never_cache
@require_GET
@portal_view(*ROLES)
def alert_rules(request: HttpRequest) -> HttpResponse:
    """Every rule with its state (firing / pending counts), and the silences running or to come."""
    now = timezone.now()
    context = {
        "page": paginate(request, alert_rule_list()),
        "silences": alert_silence_list(now=now),
        "may_manage": portal_user_may(request.user, "analytics.alerts_manage"),
        "may_silence": portal_user_may(request.user, "analytics.alerts_silence"),
        "now": now,
    }
    return render_portal(request, "portal/analytics/alerts.html", context)


@never_cache
@require_GET
@portal_view(*ROLES)
def alert_rule_detail(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = _rule_or_404(rule_id)
    context = {
        "rule": rule,
        "instances": alert_rule_instances(rule=rule),
        "history": alert_rule_history(rule=rule),
        "silences": [row for row in alert_silence_list(now=timezone.now()) if row.rule_id in (None, rule.pk)],
        "may_manage": portal_user_may(request.user, "analytics.alerts_manage"),
        "may_silence": portal_user_may(request.user, "analytics.alerts_silence"),
    }
    return render_portal(request, "portal/analytics/alerts_detail.html", context)


def _tenant_for(form: RuleForm):
    guild_id = form.cleaned_data.get("guild_id")
    if not guild_id:
        return None
    try:
        return tenant_get(guild_id=guild_id)
    except ApplicationError:
        form.add_error("guild_id", f"No tenant with guild id {guild_id}: give an existing guild, or leave it empty.")
        return False


def _rule_form_page(request, form, rule=None) -> HttpResponse:
    if form.errors:
        messages.error(request, _("The alert rule was not saved: check the form."))
    context = {"form": form, "rule": rule, "options": alert_metric_options()}
    return render_portal(request, "portal/analytics/alerts_form.html", context, status=400 if form.errors else 200)


def _save_rule(request: HttpRequest, form: RuleForm, rule=None):
    """The saved rule, or None with the service's messages on the form's fields."""
    if not form.is_valid():
        return None
    tenant = _tenant_for(form)
    if tenant is False:
        return None
    actor = actor_for_request(request)
    try:
        if rule is None:
            return alert_rule_create(actor=actor, **form.rule_fields(tenant))
        fields = form.rule_fields(tenant)
        fields.pop("tenant")  # a rule keeps its scope: a new scope is a new rule
        return alert_rule_update(rule=rule, actor=actor, **fields)
    except ApplicationError as refused:
        form.add_service_errors(refused.fields, refused.message)
        return None


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@portal_view(*ROLES)
def alert_rule_create_view(request: HttpRequest) -> HttpResponse:
    _require(request, "analytics.alerts_manage", "create alert rules")
    form = RuleForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        rule = _save_rule(request, form)
        if rule is not None:
            messages.success(
                request, _("Alert rule %(name)s created: it is evaluated within seconds.") % {"name": repr(rule.name)}
            )
            return redirect("portal:analytics_alert", rule_id=rule.pk)
    return _rule_form_page(request, form)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@portal_view(*ROLES)
def alert_rule_edit_view(request: HttpRequest, rule_id: int) -> HttpResponse:
    _require(request, "analytics.alerts_manage", "change alert rules")
    rule = _rule_or_404(rule_id)
    if request.method == "POST":
        form = RuleForm(request.POST)
        form.fields["guild_id"].disabled = True
        form.fields["guild_id"].initial = rule.tenant.guild_id if rule.tenant_id else ""
        saved = _save_rule(request, form, rule)
        if saved is not None:
            messages.success(request, _("Alert rule %(name)s saved.") % {"name": repr(saved.name)})
            return redirect("portal:analytics_alert", rule_id=rule.pk)
    else:
        form = RuleForm(initial=RuleForm.initial_for(rule))
        form.fields["guild_id"].disabled = True
    return _rule_form_page(request, form, rule)


@require_POST
@portal_view(*ROLES)
def alert_rule_enable_view(request: HttpRequest, rule_id: int) -> HttpResponse:
    _require(request, "analytics.alerts_manage", "pause or resume alert rules")
    rule = _rule_or_404(rule_id)
    form = EnableForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say whether the rule is to be on (1) or off (0)."))
        return redirect("portal:analytics_alert", rule_id=rule.pk)
    rule = alert_rule_set_enabled(rule=rule, actor=actor_for_request(request), **form.cleaned_data)
    messages.success(request, f"Alert rule {rule.name!r} {'resumed' if rule.is_enabled else 'paused'}.")
    return redirect("portal:analytics_alert", rule_id=rule.pk)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@portal_view(*ROLES)
def alert_silence_create_view(request: HttpRequest) -> HttpResponse:
    _require(request, "analytics.alerts_silence", "silence alerts")
    initial = {"rule": request.GET.get("rule")} if request.GET.get("rule", "").isdigit() else {}
    form = SilenceForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        starts_at = data["starts_at"] or timezone.now()
        try:
            silence = alert_silence_create(
                actor=actor_for_request(request),
                rule=data["rule"],
                matchers=data["matchers"],
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=data["duration_minutes"]),
                comment=data["comment"],
                user=request.user,
            )
        except ApplicationError as refused:
            for name, texts in refused.fields.items():
                for text in texts:
                    form.add_error(name if name in form.fields else None, text)
        else:
            messages.success(request, f"Silence {silence.pk} created until {silence.ends_at:%Y-%m-%d %H:%M} UTC.")
            return redirect("portal:analytics_alerts")
    if form.errors:
        messages.error(request, _("The silence was not created: check the form."))
    status = 400 if form.errors else 200
    return render_portal(request, "portal/analytics/alerts_silence.html", {"form": form}, status=status)


@require_POST
@portal_view(*ROLES)
def alert_silence_expire_view(request: HttpRequest, silence_id: int) -> HttpResponse:
    _require(request, "analytics.alerts_silence", "end silences")
    silence = alert_silence_get(silence_id=silence_id)
    if silence is None:
        raise Http404("No such silence.")
    try:
        alert_silence_expire(silence=silence, actor=actor_for_request(request))
    except ApplicationError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Silence %(silence)s ended: its alerts are told again.") % {"silence": silence.pk})
    return redirect("portal:analytics_alerts")


@never_cache
@require_GET
@portal_view(*ROLES)
def insights_view(request: HttpRequest) -> HttpResponse:
    """Anomalies found in the key metrics, with the range the seasonal decomposition expected, and the
    metrics that could not be judged (and why)."""
    scope = request.GET.get("scope", "")
    rows = insight_list(platform_only=scope == "platform")
    context = {"page": paginate(request, rows), "scope": scope, "not_judged": insight_scans_not_judged()[:50]}
    return render_portal(request, "portal/analytics/alerts_insights.html", context)
