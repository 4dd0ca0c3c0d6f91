"""What staff do on the incident pages: declare, acknowledge, move, note, undo or finish a playbook step, add
and download evidence, record a regulatory notice. Every write is a CSRF-protected POST through the incidents
services (one transaction, one audit event, one timeline line each); bad input shows the page again with the
form's message and writes nothing; a role that may read but not act gets 403."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from apps.core.actors import Actor, actor_for_request
from apps.core.errors import ApplicationError
from apps.core.portal import portal_user_may
from apps.incidents.choices import CustodyAction, EvidenceKind
from apps.incidents.models import Evidence, Incident, RegulatoryClock, StepRun
from apps.incidents.services.clocks import clock_record_notice
from apps.incidents.services.escalation import escalation_acknowledge
from apps.incidents.services.evidence import evidence_access, evidence_add
from apps.incidents.services.incidents import incident_declare, incident_note, incident_transition
from apps.incidents.services.playbooks import manual_task_complete, step_run_undo
from apps.portal.access import ANALYST, OFFICER, portal_view
from apps.portal.shell import render_portal
from apps.portal.views import incidents_forms as f
from apps.portal.views.incidents import incident_for_page, render_incident

ROLES = (OFFICER, ANALYST)
UPLOAD_METHOD = "Upload from the portal"
DECLARE_INITIAL = ("title", "kind", "severity", "description", "guild_id")


def _require(request: HttpRequest, action: str, what: str) -> None:
    if not portal_user_may(request.user, action):
        raise PermissionDenied(f"Your role may read incidents but not {what}.")


def _page(incident: Incident) -> HttpResponse:
    return redirect("portal:incident", incident_id=incident.pk)


def _again(request: HttpRequest, incident: Incident, name: str, form, refused: ApplicationError | None = None, **extra):
    """The incident page again with the form and its message (400, or the refusal's own 4xx: 409 for evidence
    that failed its hash check); nothing was written but what the refusal itself records."""
    if refused is not None:
        form.add_error(None, refused.message)
    problems = [str(error) for errors in form.errors.values() for error in errors]
    messages.error(request, " ".join(problems) or _("Check the form."))
    status = refused.status_code if refused is not None and 400 <= refused.status_code < 500 else 400
    return render_incident(request, incident, {name: form, **extra}, status=status)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@portal_view(ANALYST)
def incident_declare_view(request: HttpRequest) -> HttpResponse:
    _require(request, "incidents.declare", "declare them")
    # a link may fill the form in (a fraud case's "declare an incident": ?title=&kind=&description=)
    initial = {name: request.GET[name][:2000] for name in DECLARE_INITIAL if name in request.GET}
    form = f.DeclareForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                incident = incident_declare(actor=actor_for_request(request), **form.cleaned_data)
            except ApplicationError as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(request, _("%(reference)s declared.") % {"reference": incident.reference})
                return _page(incident)
        messages.error(request, _("The incident was not declared: check the form."))
    return render_portal(request, "portal/incidents/declare.html", {"form": form}, status=400 if form.errors else 200)


def _attempt(request: HttpRequest, incident: Incident, name: str, form, act: Callable[[Actor, dict], Any], **extra):
    """`act(actor, cleaned_data)` for a valid form: (its result, None); an invalid form or a refusal: (None, the
    incident page again with the form's message)."""
    if not form.is_valid():
        return None, _again(request, incident, name, form, **extra)
    try:
        return act(actor_for_request(request), form.cleaned_data), None
    except ApplicationError as refused:
        return None, _again(request, incident_for_page(incident.pk), name, form, refused, **extra)


def _act(request: HttpRequest, incident: Incident, name: str, form, act, success: Callable[[Any], str], **extra):
    """A form's action: the incident page again on bad input or a refusal, else `success(result)` and back."""
    result, again = _attempt(request, incident, name, form, act, **extra)
    if again is not None:
        return again
    messages.success(request, success(result))
    return _page(incident)


def _try(request: HttpRequest, incident: Incident, act: Callable[[Actor], Any], success: str) -> HttpResponse:
    """An action without a form: its refusal or `success` as the message, back to the incident either way."""
    try:
        act(actor_for_request(request))
    except ApplicationError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, success)
    return _page(incident)


def _incident_action(action: str, what: str) -> Callable:
    """A POST on one incident by an officer or analyst whose role may `action` (else 403 naming `what`): the
    view is called with the incident instead of its id."""

    def decorator(view: Callable) -> Callable:
        @require_POST
        @portal_view(*ROLES)
        @wraps(view)
        def wrapped(request: HttpRequest, incident_id: int, **kwargs) -> HttpResponse:
            _require(request, action, what)
            return view(request, incident_for_page(incident_id), **kwargs)

        return wrapped

    return decorator


@_incident_action("incidents.respond", "acknowledge them")
def incident_acknowledge(request: HttpRequest, incident: Incident) -> HttpResponse:
    def acknowledge(actor: Actor) -> Incident:
        return escalation_acknowledge(incident=incident, actor=actor, user=request.user)

    return _try(request, incident, acknowledge, f"{incident.reference} acknowledged: the escalation stopped.")


@_incident_action("incidents.respond", "move them")
def incident_transition_view(request: HttpRequest, incident: Incident) -> HttpResponse:
    def move(actor: Actor, data: dict) -> Incident:
        return incident_transition(incident=incident, actor=actor, **data)

    def moved(result: Incident) -> str:
        return f"{result.reference} is now {result.get_status_display().lower()}."

    return _act(request, incident, "transition", f.TransitionForm(request.POST), move, moved)


@_incident_action("incidents.respond", "write notes")
def incident_note_view(request: HttpRequest, incident: Incident) -> HttpResponse:
    def note(actor: Actor, data: dict):
        return incident_note(incident=incident, actor=actor, text=data["text"])

    return _act(request, incident, "note", f.NoteForm(request.POST), note, lambda _entry: "Note added.")


def _step_run(incident: Incident, step_run_id: int) -> StepRun:
    run = StepRun.objects.select_related("step").filter(pk=step_run_id, incident=incident).first()
    if run is None:
        raise Http404("No such playbook step on this incident.")
    return run


@_incident_action("incidents.step", "undo playbook steps")
def incident_step_undo(request: HttpRequest, incident: Incident, step_run_id: int) -> HttpResponse:
    run = _step_run(incident, step_run_id)
    undone = f"Step {run.position} ({run.step.title}) undone."
    return _try(request, incident, lambda actor: step_run_undo(step_run=run, actor=actor), undone)


@_incident_action("incidents.step", "finish manual tasks")
def incident_step_done(request: HttpRequest, incident: Incident, step_run_id: int) -> HttpResponse:
    run = _step_run(incident, step_run_id)
    form = f.ManualDoneForm(request.POST)
    if not form.is_valid():
        return _again(request, incident, "done", form)

    def complete(actor: Actor) -> StepRun:
        return manual_task_complete(step_run=run, actor=actor, note=form.cleaned_data["note"])

    return _try(request, incident, complete, f"Step {run.position} ({run.step.title}) done.")


def _add_upload(incident: Incident, actor: Actor, data: dict) -> Evidence:
    upload = data["file"]
    return evidence_add(
        incident=incident,
        actor=actor,
        kind=EvidenceKind.FILE,
        title=data["title"],
        content=upload.read(),
        original_name=upload.name[:255],
        content_type=(upload.content_type or "")[:100],
        method=UPLOAD_METHOD,
        description=data["description"],
    )


def _stored(evidence: Evidence) -> str:
    return f"Evidence “{evidence.title}” stored (SHA-256 {evidence.sha256[:12]}…)."


@_incident_action("incidents.evidence_add", "add evidence")
def incident_evidence_add(request: HttpRequest, incident: Incident) -> HttpResponse:
    form = f.EvidenceUploadForm(request.POST, request.FILES)
    return _act(request, incident, "upload", form, lambda actor, data: _add_upload(incident, actor, data), _stored)


@_incident_action("incidents.evidence_access", "handle evidence")
def incident_evidence_download(request: HttpRequest, incident: Incident, evidence_id: int) -> HttpResponse:
    """The file, after a custody event (who, when, from where, purpose) that re-verified its hash."""
    evidence = Evidence.objects.filter(pk=evidence_id, incident=incident).first()
    if evidence is None:
        raise Http404("No such evidence on this incident.")
    content, again = _attempt(
        request,
        incident,
        "access",
        f.EvidenceAccessForm(request.POST),
        lambda actor, data: evidence_access(
            evidence=evidence, actor=actor, action=CustodyAction.DOWNLOADED, purpose=data["purpose"]
        ),
        target=evidence.pk,
    )
    if again is not None:
        return again
    name = get_valid_filename(evidence.original_name or f"evidence-{evidence.pk}") or f"evidence-{evidence.pk}"
    response = HttpResponse(content, content_type=evidence.content_type or "application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Evidence-SHA256"] = evidence.sha256
    response["Cache-Control"] = "no-store"
    return response


@_incident_action("incidents.clock", "record regulatory notices")
def incident_clock_notice(request: HttpRequest, incident: Incident, clock_id: int) -> HttpResponse:
    clock = RegulatoryClock.objects.filter(pk=clock_id, incident=incident).first()
    if clock is None:
        raise Http404("No such clock on this incident.")

    def record(actor: Actor, data: dict) -> RegulatoryClock:
        return clock_record_notice(clock=clock, actor=actor, **data)

    recorded = f"{clock.name}: notice recorded."
    form = f.ClockNoticeForm(request.POST)
    return _act(request, incident, "clock", form, record, lambda _: recorded, target=clock.pk)
