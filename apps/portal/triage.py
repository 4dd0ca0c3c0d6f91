"""Triage in the portal: the form on one security alert or fraud case, and the bulk form on their lists.

The one-row form posts a note, optionally a new status and an assignee ("me", a username, or "-" for
nobody); the domain's triage service validates and applies them. The bulk form applies one action to the
selected rows, all in one transaction: if the service refuses any row, nothing is written and the list
comes back with the reason (4xx). Reading is open to every portal role; triaging needs the permission the
domain's portal.py registered (403 without it, nothing written).
"""

from collections.abc import Callable, Iterable

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.selectors import staff_role_members
from apps.core.actors import Actor, actor_for_request
from apps.core.errors import ApplicationError
from apps.core.portal import portal_user_may

ASSIGN_ME = "me"
ASSIGN_NOBODY = "-"
NOTE_MAX_LENGTH = 2000
BULK_MAX_ROWS = 100


def assignable_usernames(*roles: str) -> list[str]:
    """Usernames of the active staff holding one of `roles`, sorted (the assignee choices of a form)."""
    names: set[str] = set()
    for role in roles:
        names.update(staff_role_members(role=role).values_list("username", flat=True))
    return sorted(names)


def _assignee_choice(request: HttpRequest, choice: str, assignee_for: Callable[[str | None], object]) -> object:
    if choice == ASSIGN_ME:
        return assignee_for(request.user.get_username())
    if choice == ASSIGN_NOBODY:
        return assignee_for(None)
    return assignee_for(choice)


def triage_changes(request: HttpRequest, *, assignee_for: Callable[[str | None], object]) -> dict:
    """What the form asks for; `assignee_for(username or None)` is what an assignee means to the domain's
    service (a user, or the username itself) and may refuse an unknown name (ApplicationError)."""
    changes = {"note": request.POST.get("note", "")[:NOTE_MAX_LENGTH]}
    if request.POST.get("status"):
        changes["status"] = request.POST["status"]
    choice = request.POST.get("assign", "").strip()
    if choice:
        changes["assignee"] = _assignee_choice(request, choice, assignee_for)
    return changes


def require_triage(request: HttpRequest, permission: str, denied: str) -> None:
    """403 (nothing written) unless the user's role may triage."""
    if not portal_user_may(request.user, permission):
        raise PermissionDenied(denied)


def triage_post(
    request: HttpRequest,
    *,
    permission: str,
    denied: str,
    target: Callable[[], Model],
    triage: Callable[[Model, Actor, dict], object],
    assignee_for: Callable[[str | None], object],
    label: str,
    back: Callable[[], HttpResponse],
    again: Callable[[Model, int], HttpResponse],
) -> HttpResponse:
    """Check the permission (403), load the row (`target` raises Http404), apply the triage and go back
    (`back`) saying what was done (`label` names the row: "Alert 7 updated."); a refusal shows the page again
    (`again(row, status)`, a 4xx) with the reason, and nothing is written."""
    require_triage(request, permission, denied)
    row = target()
    try:
        triage(row, actor_for_request(request), triage_changes(request, assignee_for=assignee_for))
    except ApplicationError as refused:
        messages.error(request, refused.message)
        return again(row, refused.status_code if 400 <= refused.status_code < 500 else 400)
    messages.success(request, _("%(label)s %(id)s updated.") % {"label": label, "id": row.pk})
    return back()


class BulkForm(forms.Form):
    """Rows of one list and one action on them (a note when the action wants one)."""

    rows = forms.ModelMultipleChoiceField(
        queryset=None,
        error_messages={
            "required": gettext_lazy("Select at least one row."),
            "invalid_choice": gettext_lazy("Row %(value)s does not exist (any more): reload the list."),
            "invalid_pk_value": gettext_lazy("“%(pk)s” is not a row number."),
        },
    )
    action = forms.ChoiceField(error_messages={"invalid_choice": gettext_lazy("Choose one of the listed actions.")})
    note = forms.CharField(max_length=NOTE_MAX_LENGTH, required=False)

    def __init__(self, *args, queryset: QuerySet, actions: Iterable[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rows"].queryset = queryset
        self.fields["action"].choices = list(actions)

    def clean_rows(self):
        rows = self.cleaned_data["rows"]
        if len(rows) > BULK_MAX_ROWS:
            raise forms.ValidationError(_("At most %(max)d rows at a time.") % {"max": BULK_MAX_ROWS})
        return rows


def form_problems(form: forms.Form) -> str:
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


def triage_bulk(
    request: HttpRequest,
    *,
    permission: str,
    denied: str,
    queryset: QuerySet,
    actions: dict[str, tuple[str, Callable[[Model, Actor, str, HttpRequest], object]]],
    back: Callable[[], HttpResponse],
    again: Callable[[int], HttpResponse],
) -> HttpResponse:
    """Apply one of `actions` ({value: (label, apply(row, actor, note, request))}) to the selected rows in one
    transaction. Bad input (no row, an unknown row or action) or a refusal of any row: the list again with the
    reason (`again(status)`, a 4xx) and nothing written; else back to the list saying how many changed."""
    require_triage(request, permission, denied)
    form = BulkForm(
        request.POST, queryset=queryset, actions=[(value, label) for value, (label, _apply) in actions.items()]
    )
    if not form.is_valid():
        messages.error(request, form_problems(form))
        return again(400)
    actor, note = actor_for_request(request), form.cleaned_data["note"].strip()
    label, apply = actions[form.cleaned_data["action"]]
    rows = sorted(form.cleaned_data["rows"], key=lambda row: row.pk)
    try:
        with transaction.atomic():
            for row in rows:
                try:
                    apply(row, actor, note, request)
                except ApplicationError as refused:
                    refused.message = _("#%(id)s: %(reason)s Nothing was changed.") % {
                        "id": row.pk,
                        "reason": refused.message,
                    }
                    raise
    except ApplicationError as refused:
        messages.error(request, refused.message)
        return again(refused.status_code if 400 <= refused.status_code < 500 else 400)
    done = ", ".join(f"#{row.pk}" for row in rows)
    messages.success(request, _("%(action)s: %(rows)s.") % {"action": label, "rows": done})
    return back()
