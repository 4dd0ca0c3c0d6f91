"""The triage form of a security alert and of a fraud case: one POST handler for both pages.

The form posts a note, optionally a new status and "assign to me"; the domain's triage service
validates and applies them (a refusal becomes the page's error message). Reading the row is open to
every portal role; triaging needs the permission the domain's portal.py registered.
"""

from collections.abc import Callable

from django.contrib import messages
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

from apps.core.actors import Actor, actor_for_request
from apps.core.errors import ApplicationError
from apps.core.portal import portal_user_may

ASSIGN_ME = "me"
NOTE_MAX_LENGTH = 2000


def triage_changes(request: HttpRequest, *, assignee: object) -> dict:
    """What the form asks for; `assignee` is what "assign to me" means to the domain's service."""
    changes = {"note": request.POST.get("note", "")[:NOTE_MAX_LENGTH]}
    if request.POST.get("status"):
        changes["status"] = request.POST["status"]
    if request.POST.get("assign") == ASSIGN_ME:
        changes["assignee"] = assignee
    return changes


def triage_post(
    request: HttpRequest,
    *,
    permission: str,
    denied: str,
    target: Callable[[], Model],
    triage: Callable[[Model, Actor, dict], object],
    assignee: object,
    label: str,
    back: Callable[[], HttpResponse],
) -> HttpResponse:
    """Check the permission, load the row (`target` raises Http404), apply the triage, go back (`back`)
    with what was done (`label` names the row: "Alert 7 updated.") or why not."""
    if not portal_user_may(request.user, permission):
        messages.error(request, denied)
        return back()
    row = target()
    try:
        triage(row, actor_for_request(request), triage_changes(request, assignee=assignee))
    except ApplicationError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, f"{label} {row.pk} updated.")
    return back()
