"""The intermediate page of the privacy admin's actions: the selected rows and a required reason."""

from dataclasses import dataclass

from django import forms
from django.contrib.admin import helpers
from django.template.response import TemplateResponse

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


def action_page(model_admin, request, *, action: str, title: str, intro: str, rows, form) -> TemplateResponse:
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": title,
        "intro": intro,
        "action": action,
        "rows": rows,
        "form": form,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "changelist_url": request.get_full_path(),
    }
    return TemplateResponse(request, ACTION_TEMPLATE, context)


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
        page=action_page(model_admin, request, action=action, title=title, intro=intro, rows=rows, form=form)
    )
