"""The post-incident review page (durations, actions, impact; root cause, lessons and cost edited; follow-ups;
approval by someone other than the owner; PDF and JSON export) and the incident metrics dashboard (plotly)."""

import json
from collections.abc import Callable
from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from apps.core.actors import Actor, actor_for_request
from apps.core.errors import ApplicationError
from apps.core.portal import portal_user_may
from apps.core.replica import reads_from_replica
from apps.incidents.models import Review
from apps.incidents.selectors import incident_metrics
from apps.incidents.services.reviews import follow_up_add, review_approve, review_json, review_pdf, review_update
from apps.portal import charts
from apps.portal.access import ANALYST, OFFICER, portal_view
from apps.portal.shell import render_portal
from apps.portal.views import incidents_forms as f

ROLES = (OFFICER, ANALYST)
DURATIONS = [
    ("time_to_detect", "Time to detect"),
    ("time_to_acknowledge", "Time to acknowledge"),
    ("time_to_contain", "Time to contain"),
    ("time_to_recover", "Time to recover"),
    ("time_to_close", "Time to close"),
]
METRIC_WINDOWS = {"30": 30, "90": 90, "365": 365}


def human_duration(seconds) -> str:
    """12345 -> "3 h 25 min"; None -> "–"."""
    if seconds is None:
        return "–"
    seconds = int(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{minutes} min" if minutes else ""]
    return " ".join(p for p in parts if p) or f"{secs} s"


def _review(incident_id: int) -> Review:
    review = (
        Review.objects.select_related("incident", "incident__owner", "approved_by")
        .filter(incident_id=incident_id)
        .first()
    )
    if review is None:
        raise Http404("No review yet: it is generated when the incident is closed.")
    return review


def _initial(review: Review) -> dict:
    fields = ["summary", "root_cause", "lessons_learned", "cost_amount", "cost_currency", "cost_notes"]
    return {name: getattr(review, name) for name in fields}


def _render(request: HttpRequest, review: Review, forms: dict | None = None, status: int = 200) -> HttpResponse:
    forms = forms or {}
    durations = review.durations or {}
    context = {
        "review": review,
        "incident": review.incident,
        "durations": [(label, human_duration(durations.get(key))) for key, label in DURATIONS],
        "follow_ups": list(review.follow_ups.select_related("owner").order_by("due_on", "id")),
        "review_form": forms.get("review") or f.ReviewForm(initial=_initial(review)),
        "follow_up_form": forms.get("follow_up") or f.FollowUpForm(),
        "may_edit": portal_user_may(request.user, "incidents.review_edit") and review.status == "draft",
        "may_approve": portal_user_may(request.user, "incidents.review_approve") and review.status == "draft",
    }
    return render_portal(request, "portal/incidents/review.html", context, status=status)


@never_cache
@require_safe
@portal_view(*ROLES)
def incident_review(request: HttpRequest, incident_id: int) -> HttpResponse:
    return _render(request, _review(incident_id))


def _again(request, review, name, form, refused: ApplicationError | None = None) -> HttpResponse:
    if refused is not None:
        form.add_error(None, refused.message)
    problems = [str(error) for errors in form.errors.values() for error in errors]
    messages.error(request, " ".join(problems) or _("Check the form."))
    return _render(request, review, {name: form}, status=400)


def _review_action(action: str, what: str) -> Callable:
    """A POST on an incident's review by an officer or analyst whose role may `action` (else 403 naming
    `what`): the view is called with the review instead of the incident's id."""

    def decorator(view: Callable) -> Callable:
        @require_POST
        @portal_view(*ROLES)
        @wraps(view)
        def wrapped(request: HttpRequest, incident_id: int) -> HttpResponse:
            if not portal_user_may(request.user, action):
                raise PermissionDenied(f"Your role may read reviews but not {what}.")
            return view(request, _review(incident_id))

        return wrapped

    return decorator


def _back(request: HttpRequest, review: Review, done: str) -> HttpResponse:
    messages.success(request, done)
    return redirect("portal:incident_review", incident_id=review.incident_id)


def _save(request: HttpRequest, review: Review, name: str, form, act: Callable, done: str) -> HttpResponse:
    """`act(actor, cleaned_data)` for a valid form, then back to the review with `done`; bad input or a
    refusal shows the page again with the form's message (400)."""
    if not form.is_valid():
        return _again(request, review, name, form)
    try:
        act(actor_for_request(request), form.cleaned_data)
    except ApplicationError as refused:
        return _again(request, _review(review.incident_id), name, form, refused)
    return _back(request, review, done)


@_review_action("incidents.review_edit", "edit them")
def incident_review_edit(request: HttpRequest, review: Review) -> HttpResponse:
    def save(actor: Actor, data: dict) -> Review:
        return review_update(review=review, actor=actor, **data)

    return _save(request, review, "review", f.ReviewForm(request.POST), save, "Review saved.")


def _staff_owner(form):
    """The active staff user the valid form names as owner (None, with the form's error, if there is none)."""
    if not form.is_valid():
        return None
    owner = get_user_model().objects.filter(username=form.cleaned_data["owner"], is_staff=True, is_active=True).first()
    if owner is None:
        form.add_error("owner", "No active staff user has that username.")
    return owner


@_review_action("incidents.review_edit", "add follow-ups")
def incident_review_follow_up(request: HttpRequest, review: Review) -> HttpResponse:
    form = f.FollowUpForm(request.POST)
    owner = _staff_owner(form)

    def add(actor: Actor, data: dict):
        return follow_up_add(
            review=review, actor=actor, recommendation=data["recommendation"], owner=owner, due_on=data["due_on"]
        )

    return _save(request, review, "follow_up", form, add, "Follow-up added.")


@_review_action("incidents.review_approve", "approve them")
def incident_review_approve(request: HttpRequest, review: Review) -> HttpResponse:
    try:
        review_approve(review=review, actor=actor_for_request(request), user=request.user)
    except ApplicationError as refused:
        messages.error(request, refused.message)
        return _render(request, review, status=400)
    return _back(request, review, "Review approved.")


@never_cache
@require_safe
@portal_view(*ROLES)
@reads_from_replica  # an export: read-only, a replica's lag of a moment is fine
def incident_review_export(request: HttpRequest, incident_id: int, fmt: str) -> HttpResponse:
    review = _review(incident_id)
    name = f"review-{review.incident.reference}"
    if fmt == "json":
        body = json.dumps(review_json(review), indent=2, sort_keys=True, ensure_ascii=False, default=str)
        response = HttpResponse(body, content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="{name}.json"'
    elif fmt == "pdf":
        response = HttpResponse(review_pdf(review), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    else:
        raise Http404("Export as pdf or json.")
    return response


def metric_rows(metrics: dict) -> tuple[list[dict], list[tuple[int, int]]]:
    """incident_metrics() -> (rows {"severity", "measure", "label", "count", "mean", "p90"} of the measures that
    have incidents, in severity then measure order; [(level, open incidents)])."""
    rows = []
    for severity, measures in (metrics.get("by_severity") or {}).items():
        for measure, label in charts.MEASURES.items():
            stats = (measures or {}).get(measure) or {}
            if stats.get("count"):
                rows.append(
                    {
                        "severity": severity,
                        "measure": measure,
                        "label": label,
                        **stats,
                        "mean_text": human_duration(stats.get("mean")),
                        "p90_text": human_duration(stats.get("p90")),
                    }
                )
    levels = sorted((int(level), int(count)) for level, count in (metrics.get("open_by_level") or {}).items())
    return rows, levels


@never_cache
@require_safe
@portal_view(*ROLES)
def incident_metrics_view(request: HttpRequest) -> HttpResponse:
    days = METRIC_WINDOWS.get(request.GET.get("days", ""), 90)
    rows, levels = metric_rows(incident_metrics(since=timezone.now() - timedelta(days=days)))
    context = {
        "days": days,
        "windows": list(METRIC_WINDOWS),
        "rows": rows,
        "levels": levels,
        "mean_figure": charts.incident_durations_figure(rows, "mean") if rows else None,
        "p90_figure": charts.incident_durations_figure(rows, "p90") if rows else None,
        "level_figure": charts.open_by_level_figure(levels) if any(count for _, count in levels) else None,
    }
    return render_portal(request, "portal/incidents/metrics.html", context)
