"""What a compliance officer does on the compliance pages (issue 17): define a report (and build its first
version now), run a framework's checks or one check now, and attest a requirement with an evidence file.

Every write is a CSRF-protected POST through the compliance services (one transaction, audited there); bad
input shows the form again with its message, with a 4xx status, and writes nothing; a role that may read but
not act gets 403 (the permissions apps/compliance/portal.py registered decide, like the report actions).
"""

from datetime import UTC, datetime, time

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from apps.compliance.choices import CheckStatus
from apps.compliance.models import Framework, ManualAttestation, Requirement
from apps.compliance.selectors import check_run_list
from apps.compliance.selectors.checks import check_catalogue
from apps.compliance.services.attestations import attestation_create, attestation_evidence_download_record
from apps.compliance.services.check_requests import checks_run_request
from apps.compliance.services.report_requests import report_run_request
from apps.compliance.services.reports import report_definition_create
from apps.core.actors import actor_for_request
from apps.core.errors import ApplicationError
from apps.core.models import OutboxMessage
from apps.core.portal import portal_user_may
from apps.portal.access import OFFICER, portal_view
from apps.portal.shell import paginate, render_portal
from apps.portal.views.compliance import render_requirement
from apps.portal.views.compliance_forms import AttestationForm, ChecksRunForm, ReportDefinitionForm


def _require(request: HttpRequest, action: str, refusal: str) -> None:
    if not portal_user_may(request.user, action):
        raise PermissionDenied(refusal)


def _refusal_to_form(form, refused: ApplicationError) -> None:
    """Put a service's refusal on the form: on the fields it names (when the form has them), else on top."""
    placed = False
    for field, problems in (refused.fields or {}).items():
        if field in form.fields:
            form.add_error(field, refused.message if problems == ["Required."] else " ".join(map(str, problems)))
            placed = True
    if not placed:
        form.add_error(None, refused.message)


# --- define a report ------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@portal_view(OFFICER)
def report_define(request: HttpRequest) -> HttpResponse:
    """A report definition: template (kind), framework, parameters, schedule, recipients; optionally run now."""
    _require(request, "compliance.report_define", _("Your role may read reports but not define them."))
    form = ReportDefinitionForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                definition = report_definition_create(
                    actor=actor_for_request(request),
                    name=data["name"],
                    kind=data["kind"],
                    framework=data["framework"],
                    parameters=data["parameters"],
                    cron=data["cron"],
                    recipients=data["recipients"],
                )
            except ApplicationError as refused:
                _refusal_to_form(form, refused)
                status = refused.status_code if 400 <= refused.status_code < 500 else 400
            else:
                if data["run_now"] and portal_user_may(request.user, "compliance.report_run"):
                    report_run_request(definition=definition)
                    messages.success(
                        request, _("%(name)s defined; its first version is being built.") % {"name": definition.name}
                    )
                else:
                    messages.success(request, _("%(name)s defined.") % {"name": definition.name})
                return redirect("portal:reports")
        messages.error(request, _("The report was not defined: check the form."))
    return render_portal(request, "portal/compliance/report_new.html", {"form": form}, status=status)


# --- run checks now -------------------------------------------------------------------------------


@require_POST
@portal_view(OFFICER)
def checks_run_now(request: HttpRequest) -> HttpResponse:
    """Queue a run of a framework's checks, or of one check; then the check-run list shows them arriving."""
    _require(request, "compliance.checks_run", _("Your role may read check runs but not start them."))
    form = ChecksRunForm(request.POST)
    if not form.is_valid():
        problems = " ".join(str(error) for errors in form.errors.values() for error in errors)
        messages.error(request, problems)
        return _check_runs_page(request, status=400)
    framework, check_id = form.cleaned_data["framework"], form.cleaned_data["check_id"]
    try:
        row = checks_run_request(actor=actor_for_request(request), framework=framework, check_id=check_id)
    except ApplicationError as refused:
        messages.error(request, refused.message)
        status = refused.status_code if 400 <= refused.status_code < 500 else 400
        return _check_runs_page(request, status=status)
    what = framework.name if framework else check_id
    messages.success(request, _("Checks of %(what)s queued: their runs appear below.") % {"what": what})
    query = {"framework": framework.pk} if framework else {"check": check_id}
    query["request"] = row.pk
    return redirect(f"{reverse('portal:check_runs')}?{urlencode(query)}")


@never_cache
@require_safe
@portal_view(OFFICER)
def check_runs(request: HttpRequest) -> HttpResponse:
    """Every check run, newest first; filters: a framework, one check, a status. `request` names a queued run
    request (an outbox row): the page says whether the worker has run it yet."""
    return _check_runs_page(request)


def _check_runs_page(request: HttpRequest, status: int = 200) -> HttpResponse:
    framework = Framework.objects.filter(pk=request.GET.get("framework", "")).first()
    check_id = request.GET.get("check", "")[:100]
    wanted = request.GET.get("status", "")
    runs = check_run_list(check_id=check_id or None, status=wanted if wanted in CheckStatus.values else None)
    if framework is not None:
        runs = runs.filter(check_id__in=[check.id for check in check_catalogue(framework_id=framework.pk)])
    pending = None
    request_id = request.GET.get("request", "")
    if request_id.isdigit():
        pending = OutboxMessage.objects.filter(pk=int(request_id), task_name__endswith="checks_run_task").first()
    context = {
        "page": paginate(request, runs),
        "framework": framework,
        "check_id": check_id,
        "status": wanted,
        "statuses": CheckStatus.choices,
        "queued": pending,
        "may_run_checks": portal_user_may(request.user, "compliance.checks_run"),
        "frameworks": Framework.objects.order_by("name"),
    }
    return render_portal(request, "portal/compliance/check_runs.html", context, status=status)


# --- attest a requirement -------------------------------------------------------------------------


@require_POST
@portal_view(OFFICER)
def requirement_attest(request: HttpRequest, framework_id: str, ref: str) -> HttpResponse:
    """Attest a requirement with an evidence file (its SHA-256 stored); it then counts as attested."""
    _require(request, "compliance.attest", _("Your role may read requirements but not attest them."))
    requirement = get_object_or_404(Requirement, framework_id=framework_id, ref=ref, is_group=False)
    form = AttestationForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        expires_at = datetime.combine(data["expires_on"], time(23, 59, 59), tzinfo=UTC)  # the whole last day
        try:
            attestation_create(
                requirement=requirement,
                statement=data["statement"],
                owner=request.user,
                expires_at=expires_at,
                actor=actor_for_request(request),
                evidence_file=data["evidence"],
            )
        except ApplicationError as refused:
            _refusal_to_form(form, refused)
        else:
            messages.success(request, _("%(key)s attested until %(day)s.") % {
                "key": requirement.key, "day": data["expires_on"].isoformat()
            })  # fmt: skip
            return redirect("portal:requirement", framework_id=framework_id, ref=ref)
    messages.error(request, _("The attestation was not recorded: check the form."))
    return render_requirement(request, framework_id, ref, attest_form=form, status=400)


@never_cache
@require_safe
@portal_view(OFFICER)
def attestation_evidence_download(request: HttpRequest, attestation_id: int) -> HttpResponse:
    """An attestation's evidence file as an attachment, with its SHA-256 in `X-Content-SHA256` (audited)."""
    _require(request, "compliance.attestation_download", _("Your role may not download attestation evidence."))
    attestation = ManualAttestation.objects.filter(pk=attestation_id).exclude(evidence_file="").first()
    if attestation is None:
        raise Http404("No such attestation evidence.")
    attestation_evidence_download_record(attestation=attestation, actor=actor_for_request(request))
    response = FileResponse(
        attestation.evidence_file.open("rb"),
        as_attachment=True,
        filename=attestation.evidence_filename,
    )
    response["X-Content-SHA256"] = attestation.evidence_sha256
    return response
