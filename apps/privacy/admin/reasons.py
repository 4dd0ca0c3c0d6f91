"""The intermediate page of the privacy admin's actions: the selected rows and a required reason."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.template.response import TemplateResponse

from apps.core.admin.tools import action_page

ACTION_TEMPLATE = "admin/privacy/action_form.html"
MAX_ROWS_PER_ACTION = 100


class ReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text="Kept in the audit trail.",
    )


def reason_form(request) -> ReasonForm:
    """Bound when the intermediate page posted back (``apply``), unbound on the action's first POST."""
    return ReasonForm(request.POST if "apply" in request.POST else None)


def action_form_page(model_admin, request, *, action: str, title: str, intro: str, rows, form) -> TemplateResponse:
    context = {"title": title, "intro": intro, "action": action, "rows": rows, "form": form}
    return action_page(model_admin, request, ACTION_TEMPLATE, context)


@dataclass(frozen=True)
class ReasonAnswer:
    """What `ask_reason` found: the reason posted back, or the page that asks for it."""

    reason: str = ""
    page: TemplateResponse | None = None


def ask_reason(model_admin, request, *, action: str, title: str, intro: str, rows) -> ReasonAnswer:
    """The reason of an action that needs one: on the action's first POST (or an invalid reason) the
    intermediate page listing `rows`, (pk, name, detail); once posted back, the reason."""
    form = reason_form(request)
    if form.is_bound and form.is_valid():
        return ReasonAnswer(reason=form.cleaned_data["reason"])
    return ReasonAnswer(
        page=action_form_page(model_admin, request, action=action, title=title, intro=intro, rows=rows, form=form)
    )


def reason_action(
    model_admin,
    request,
    rows: list,
    *,
    empty: str,
    describe: Callable[[Any], tuple],
    apply: Callable[[str], None],
    action: str,
    title: str,
    intro: str,
) -> TemplateResponse | None:
    """An action over `rows` that needs a reason: `empty` as an error when there are none, else the page
    asking for the reason (each row shown as `describe(row)`: pk, name, detail), then `apply(reason)`."""
    if not rows:
        model_admin.message_user(request, empty, messages.ERROR)
        return None
    answer = ask_reason(
        model_admin, request, action=action, title=title, intro=intro, rows=[describe(row) for row in rows]
    )
    if answer.page:
        return answer.page
    apply(answer.reason)
    return None
