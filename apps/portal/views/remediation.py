"""Remediation tasks in the portal (issue 17): the list (open, mine, done, all), a new task (from a requirement
or a failing check run), assigning one to an officer or analyst, and completing one with a note.

Officers create and assign (`compliance.remediation_manage`); officers and analysts complete
(`compliance.remediation_complete`: the service lets an analyst complete only the tasks assigned to them).
Every write is a POST through apps/compliance/services/remediation_tasks.py (audited there); bad input
shows the page again with the message and a 4xx status, and writes nothing.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from apps.compliance.models import CheckRun, RemediationTask
from apps.compliance.selectors.remediation import REMEDIATION_VIEWS, remediation_task_counts, remediation_task_list
from apps.compliance.services.remediation_tasks import (
    assignable_users,
    remediation_task_assign,
    remediation_task_complete,
    remediation_task_create,
)
from apps.core.actors import actor_for_request
from apps.core.errors import ApplicationError
from apps.core.portal import portal_user_may
from apps.portal.access import ANALYST, OFFICER, portal_view
from apps.portal.shell import paginate, render_portal
from apps.portal.views.compliance_forms import AssignForm, CompleteForm, RemediationTaskForm

MANAGE = "compliance.remediation_manage"
COMPLETE = "compliance.remediation_complete"


def _list_page(request: HttpRequest, status: int = 200) -> HttpResponse:
    view = request.GET.get("show", "open")
    view = view if view in REMEDIATION_VIEWS else "open"
    context = {
        "page": paginate(request, remediation_task_list(view=view, user=request.user)),
        "show": view,
        "counts": remediation_task_counts(user=request.user),
        "may_manage": portal_user_may(request.user, MANAGE),
        "may_complete": portal_user_may(request.user, COMPLETE),
        "assignees": list(assignable_users()) if portal_user_may(request.user, MANAGE) else [],
    }
    return render_portal(request, "portal/compliance/remediation.html", context, status=status)


@never_cache
@require_safe
@portal_view(OFFICER, ANALYST)
def remediation_tasks(request: HttpRequest) -> HttpResponse:
    return _list_page(request)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@portal_view(OFFICER)
def remediation_task_new(request: HttpRequest) -> HttpResponse:
    """A new task; `?requirement=framework:ref` or `?check_run=<id>` fill the form from where it was opened."""
    if not portal_user_may(request.user, MANAGE):
        raise PermissionDenied(_("Your role may not create remediation tasks."))
    if request.method == "POST":
        form = RemediationTaskForm(request.POST)
    else:
        form = RemediationTaskForm(initial=_initial(request))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                task = remediation_task_create(actor=actor_for_request(request), **form.cleaned_data)
            except ApplicationError as refused:
                field = next((name for name in (refused.fields or {}) if name in form.fields), None)
                form.add_error(field, refused.message)
                status = refused.status_code if 400 <= refused.status_code < 500 else 400
            else:
                messages.success(request, _("Task %(title)s created.") % {"title": task.title})
                return redirect("portal:remediation")
        messages.error(request, _("The task was not created: check the form."))
    return render_portal(request, "portal/compliance/remediation_new.html", {"form": form}, status=status)


def _initial(request: HttpRequest) -> dict:
    initial = {"requirement_key": request.GET.get("requirement", "")[:140]}
    run_id = request.GET.get("check_run", "")
    run = CheckRun.objects.filter(pk=int(run_id)).first() if run_id.isdigit() else None
    if run is not None:
        initial |= {"check_run": run.pk, "title": (_("Fix: %(summary)s") % {"summary": run.summary})[:200]}
        if not initial["requirement_key"] and run.requirements:
            initial["requirement_key"] = run.requirements[0]
    return initial


def _act(request: HttpRequest, form, call) -> HttpResponse:
    """Run `call(cleaned_data)` for a valid form; else (or refused) the list again with the message and a 4xx."""
    refused_status = 400
    if form.is_valid():
        try:
            message = call(form.cleaned_data)
        except ApplicationError as refused:
            messages.error(request, refused.message)
            refused_status = refused.status_code if 400 <= refused.status_code < 500 else 400
        else:
            messages.success(request, message)
            return redirect(request.POST.get("next") if _safe_next(request) else "portal:remediation")
    else:
        messages.error(request, " ".join(str(error) for errors in form.errors.values() for error in errors))
    return _list_page(request, status=refused_status)


def _safe_next(request: HttpRequest) -> bool:
    return request.POST.get("next", "").startswith("/portal/remediation/")


@require_POST
@portal_view(OFFICER)
def remediation_task_assign_view(request: HttpRequest, task_id: int) -> HttpResponse:
    if not portal_user_may(request.user, MANAGE):
        raise PermissionDenied(_("Your role may not assign remediation tasks."))
    task = get_object_or_404(RemediationTask, pk=task_id)

    def assign(data: dict) -> str:
        assignee = data["assignee"]
        remediation_task_assign(task=task, assignee=assignee, actor=actor_for_request(request))
        if assignee is None:
            return _("%(title)s: unassigned.") % {"title": task.title}
        return _("%(title)s: assigned to %(user)s.") % {"title": task.title, "user": assignee.get_username()}

    return _act(request, AssignForm(request.POST), assign)


@require_POST
@portal_view(OFFICER, ANALYST)
def remediation_task_complete_view(request: HttpRequest, task_id: int) -> HttpResponse:
    if not portal_user_may(request.user, COMPLETE):
        raise PermissionDenied(_("Your role may not complete remediation tasks."))
    task = get_object_or_404(RemediationTask, pk=task_id)

    def complete(data: dict) -> str:
        remediation_task_complete(task=task, user=request.user, actor=actor_for_request(request), note=data["note"])
        return _("%(title)s: done.") % {"title": task.title}

    return _act(request, CompleteForm(request.POST), complete)
