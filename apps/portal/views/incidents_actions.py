"""What staff do on the incident pages: declare, acknowledge, move, note, undo or finish a playbook step, add
and download evidence, record a regulatory notice. Every write is a CSRF-protected POST through the incidents
services (one transaction, one audit event, one timeline line each); bad input shows the page again with the
form's message and writes nothing; a role that may read but not act gets 403."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.text import get_valid_filename
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from apps.core.actors import actor_for_request
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
    messages.error(request, " ".join(problems) or "Check the form.")
    status = refused.status_code if refused is not None and 400 <= refused.status_code < 500 else 400
    return render_incident(request, incident, {name: form, **extra}, status=status)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@portal_view(ANALYST)
def incident_declare_view(request: HttpRequest) -> HttpResponse:
    _require(request, "incidents.declare", "declare them")
    form = f.DeclareForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            try:
                incident = incident_declare(actor=actor_for_request(request), **form.cleaned_data)
            except ApplicationError as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(request, f"{incident.reference} declared.")
                return _page(incident)
        messages.error(request, "The incident was not declared: check the form.")
    return render_portal(request, "portal/incidents/declare.html", {"form": form}, status=400 if form.errors else 200)


@require_POST
@portal_view(*ROLES)
def incident_acknowledge(request: HttpRequest, incident_id: int) -> HttpResponse:
    _require(request, "incidents.respond", "acknowledge them")
    incident = incident_for_page(incident_id)
    try:
        escalation_acknowledge(incident=incident, actor=actor_for_request(request), user=request.user)
    except ApplicationError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, f"{incident.reference} acknowledged: the escalation stopped.")
    return _page(incident)


@require_POST
@portal_view(*ROLES)
def incident_transition_view(request: HttpRequest, incident_id: int) -> HttpResponse:
    _require(request, "incidents.respond", "move them")
    incident = incident_for_page(incident_id)
    form = f.TransitionForm(request.POST)
    if not form.is_valid():
        return _again(request, incident, "transition", form)
    try:
        incident = incident_transition(incident=incident, actor=actor_for_request(request), **form.cleaned_data)
    except ApplicationError as refused:
        return _again(request, incident_for_page(incident_id), "transition", form, refused)
    messages.success(request, f"{incident.reference} is now {incident.get_status_display().lower()}.")
    return _page(incident)


@require_POST
@portal_view(*ROLES)
def incident_note_view(request: HttpRequest, incident_id: int) -> HttpResponse:
    _require(request, "incidents.respond", "write notes")
    incident = incident_for_page(incident_id)
    form = f.NoteForm(request.POST)
    if not form.is_valid():
        return _again(request, incident, "note", form)
    try:
        incident_note(incident=incident, actor=actor_for_request(request), text=form.cleaned_data["text"])
    except ApplicationError as refused:
        return _again(request, incident, "note", form, refused)
    messages.success(request, "Note added.")
    return _page(incident)


def _step_run(incident: Incident, step_run_id: int) -> StepRun:
    run = StepRun.objects.select_related("step").filter(pk=step_run_id, incident=incident).first()
    if run is None:
        raise Http404("No such playbook step on this incident.")
    return run


@require_POST
@portal_view(*ROLES)
def incident_step_undo(request: HttpRequest, incident_id: int, step_run_id: int) -> HttpResponse:
    _require(request, "incidents.step", "undo playbook steps")
    incident = incident_for_page(incident_id)
    run = _step_run(incident, step_run_id)
    try:
        step_run_undo(step_run=run, actor=actor_for_request(request))
    except ApplicationError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, f"Step {run.position} ({run.step.title}) undone.")
    return _page(incident)


@require_POST
@portal_view(*ROLES)
def incident_step_done(request: HttpRequest, incident_id: int, step_run_id: int) -> HttpResponse:
    _require(request, "incidents.step", "finish manual tasks")
    incident = incident_for_page(incident_id)
    run = _step_run(incident, step_run_id)
    form = f.ManualDoneForm(request.POST)
    if not form.is_valid():
        return _again(request, incident, "done", form)
    try:
        manual_task_complete(step_run=run, actor=actor_for_request(request), note=form.cleaned_data["note"])
    except ApplicationError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, f"Step {run.position} ({run.step.title}) done.")
    return _page(incident)


@require_POST
@portal_view(*ROLES)
def incident_evidence_add(request: HttpRequest, incident_id: int) -> HttpResponse:
    _require(request, "incidents.evidence_add", "add evidence")
    incident = incident_for_page(incident_id)
    form = f.EvidenceUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _again(request, incident, "upload", form)
    upload = form.cleaned_data["file"]
    try:
        evidence = evidence_add(
            incident=incident,
            actor=actor_for_request(request),
            kind=EvidenceKind.FILE,
            title=form.cleaned_data["title"],
            content=upload.read(),
            original_name=upload.name[:255],
            content_type=(upload.content_type or "")[:100],
            method=UPLOAD_METHOD,
            description=form.cleaned_data["description"],
        )
    except ApplicationError as refused:
        return _again(request, incident, "upload", form, refused)
    messages.success(request, f"Evidence “{evidence.title}” stored (SHA-256 {evidence.sha256[:12]}…).")
    return _page(incident)


@require_POST
@portal_view(*ROLES)
def incident_evidence_download(request: HttpRequest, incident_id: int, evidence_id: int) -> HttpResponse:
    """The file, after a custody event (who, when, from where, purpose) that re-verified its hash."""
    _require(request, "incidents.evidence_access", "handle evidence")
    incident = incident_for_page(incident_id)
    evidence = Evidence.objects.filter(pk=evidence_id, incident=incident).first()
    if evidence is None:
        raise Http404("No such evidence on this incident.")
    form = f.EvidenceAccessForm(request.POST)
    if not form.is_valid():
        return _again(request, incident, "access", form, target=evidence.pk)
    try:
        content = evidence_access(
            evidence=evidence,
            actor=actor_for_request(request),
            action=CustodyAction.DOWNLOADED,
            purpose=form.cleaned_data["purpose"],
        )
    except ApplicationError as refused:
        return _again(request, incident_for_page(incident_id), "access", form, refused, target=evidence.pk)
    name = get_valid_filename(evidence.original_name or f"evidence-{evidence.pk}") or f"evidence-{evidence.pk}"
    response = HttpResponse(content, content_type=evidence.content_type or "application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Evidence-SHA256"] = evidence.sha256
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@portal_view(*ROLES)
def incident_clock_notice(request: HttpRequest, incident_id: int, clock_id: int) -> HttpResponse:
    _require(request, "incidents.clock", "record regulatory notices")
    incident = incident_for_page(incident_id)
    clock = RegulatoryClock.objects.filter(pk=clock_id, incident=incident).first()
    if clock is None:
        raise Http404("No such clock on this incident.")
    form = f.ClockNoticeForm(request.POST)
    if not form.is_valid():
        return _again(request, incident, "clock", form, target=clock.pk)
    try:
        clock_record_notice(clock=clock, actor=actor_for_request(request), **form.cleaned_data)
    except ApplicationError as refused:
        return _again(request, incident, "clock", form, refused, target=clock.pk)
    messages.success(request, f"{clock.name}: notice recorded.")
    return _page(incident)
