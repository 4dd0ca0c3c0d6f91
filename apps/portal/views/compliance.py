"""Compliance pages: frameworks -> requirements -> check runs -> evidence; compliance alerts; workflows."""

import json

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from apps.compliance.choices import DSR_WORKFLOW_CODE
from apps.compliance.models import CheckRun, Framework, WorkflowStep
from apps.compliance.selectors import (
    framework_list,
    framework_scores,
    requirement_statuses,
    score_trend,
)
from apps.compliance.selectors import (
    requirement_detail as requirement_detail_read,
)
from apps.compliance.selectors.alerts import alert_get, alert_list, open_alerts
from apps.compliance.selectors.workflows import workflow_inbox
from apps.compliance.services.alerts import alert_acknowledge as alert_acknowledge_service
from apps.compliance.services.runs import evidence_digest
from apps.compliance.services.workflows import workflow_step_claim, workflow_step_complete, workflow_step_fail
from apps.core.actors import actor_for_request
from apps.core.errors import ApplicationError
from apps.core.portal import portal_user_may
from apps.portal import charts
from apps.portal.access import ANALYST, OFFICER, portal_view
from apps.portal.shell import paginate, render_portal
from apps.privacy.choices import VerificationMethod

TREND_DAYS = 30
HISTORY_LIMIT = 25
ACKNOWLEDGE = "compliance.alert_acknowledge"


@never_cache
@require_safe
@portal_view(OFFICER)
def frameworks(request: HttpRequest) -> HttpResponse:
    scores = {row["id"]: row for row in framework_scores()}
    rows = list(framework_list())
    for framework in rows:
        framework.score_row = scores.get(framework.pk, {})
    return render_portal(request, "portal/compliance/frameworks.html", {"frameworks": rows})


@never_cache
@require_safe
@portal_view(OFFICER)
def framework_detail(request: HttpRequest, framework_id: str) -> HttpResponse:
    framework = get_object_or_404(Framework, pk=framework_id)
    states = requirement_statuses(framework_id=framework.pk)
    depth: dict[str, int] = {}
    counts: dict[str, int] = {}
    for state in states:  # catalogue order puts parents before children
        state.depth = depth[state.ref] = depth.get(state.parent_ref, -1) + 1 if state.parent_ref else 0
        if not state.is_group:
            counts[state.status] = counts.get(state.status, 0) + 1
    snapshots = score_trend(framework_id=framework.pk, days=TREND_DAYS)
    trend = (
        charts.score_trend_figure([str(s.day) for s in snapshots], [s.score for s in snapshots]) if snapshots else None
    )
    context = {"framework": framework, "requirements": states, "trend": trend, "counts": sorted(counts.items())}
    return render_portal(request, "portal/compliance/framework.html", context)


@never_cache
@require_safe
@portal_view(OFFICER)
def requirement_detail(request: HttpRequest, framework_id: str, ref: str) -> HttpResponse:
    detail = requirement_detail_read(framework_id=framework_id, ref=ref)
    if detail is None:
        raise Http404("No such requirement.")
    requirement = detail["requirement"]
    evidence = list(requirement.evidence_items.order_by("-collected_at")[:HISTORY_LIMIT])
    context = {**detail, "history": detail["history"][:HISTORY_LIMIT], "evidence_items": evidence}
    return render_portal(request, "portal/compliance/requirement.html", context)


@never_cache
@require_safe
@portal_view(OFFICER)
def check_run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = get_object_or_404(CheckRun, pk=run_id)
    pretty = json.dumps(run.evidence, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    verified = (evidence_digest(run.evidence) == run.evidence_sha256) if request.GET.get("verify") else None
    keys = [key.split(":", 1) for key in run.requirements or [] if ":" in key]
    context = {"run": run, "evidence_json": pretty, "verified": verified, "requirement_links": keys}
    return render_portal(request, "portal/compliance/check_run.html", context)


# --- compliance alerts ----------------------------------------------------------------------------


@never_cache
@require_safe
@portal_view(OFFICER)
def alerts(request: HttpRequest) -> HttpResponse:
    show_all = request.GET.get("all") == "1"
    rows = alert_list() if show_all else open_alerts()
    may_handle = portal_user_may(request.user, ACKNOWLEDGE)
    context = {"page": paginate(request, rows), "show_all": show_all, "may_handle": may_handle}
    return render_portal(request, "portal/compliance/alerts.html", context)


@require_POST
@portal_view(OFFICER)
def alert_acknowledge(request: HttpRequest, alert_id: int) -> HttpResponse:
    if not portal_user_may(request.user, ACKNOWLEDGE):
        messages.error(request, _("Your role may not handle compliance alerts."))
        return redirect("portal:alerts")
    alert = alert_get(alert_id=alert_id)
    if alert is None:
        raise Http404("No such alert.")
    try:
        alert_acknowledge_service(alert=alert, user=request.user, actor=actor_for_request(request))
    except ApplicationError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Alert %(alert)s acknowledged.") % {"alert": alert.pk})
    return redirect("portal:alerts")


# --- workflow inbox -------------------------------------------------------------------------------


@never_cache
@require_safe
@portal_view(OFFICER, ANALYST)
def workflows(request: HttpRequest) -> HttpResponse:
    context = {
        "steps": workflow_inbox(request.user),
        "dsr_workflow": DSR_WORKFLOW_CODE,
        "verification_methods": VerificationMethod.choices,
    }
    return render_portal(request, "portal/compliance/workflows.html", context)


# action -> (service call, past tense for the success message); `form` is the POST of the inbox row
STEP_ACTIONS = {
    "claim": (lambda step, user, actor, form: workflow_step_claim(step=step, user=user, actor=actor), "claimed"),
    "complete": (
        lambda step, user, actor, form: workflow_step_complete(
            step=step,
            user=user,
            actor=actor,
            notes=form["notes"],
            # a data-subject request's "Verify identity" step records the verification on the request
            verification_method=form["verification_method"],
        ),
        "completed",
    ),
    "fail": (
        lambda step, user, actor, form: workflow_step_fail(step=step, user=user, actor=actor, notes=form["notes"]),
        "failed",
    ),
}


@require_POST
@portal_view(OFFICER, ANALYST)
def workflow_step_action(request: HttpRequest, step_id: int, action: str) -> HttpResponse:
    """Claim, complete or fail a step of the inbox (the workflow service checks role and turn)."""
    step = WorkflowStep.objects.filter(pk=step_id).first()
    if step is None or action not in STEP_ACTIONS:
        raise Http404("No such step or action.")
    form = {
        "notes": request.POST.get("notes", "").strip()[:2000],
        "verification_method": request.POST.get("verification_method", "")[:32],
    }
    call, past_tense = STEP_ACTIONS[action]
    try:
        call(step, request.user, actor_for_request(request), form)
    except ApplicationError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, f"{step.name}: {past_tense}.")
    return redirect("portal:workflows")
