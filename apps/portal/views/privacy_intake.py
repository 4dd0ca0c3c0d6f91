"""Logging a data-subject request in the portal: a person wrote to the guild's staff (an e-mail, a letter, a
ticket), and a compliance officer files it here instead of through the bot's API.

The form checks the shape of what was typed; the privacy service `request_receive` holds the rules (the
member must exist in the guild, a rectification names valid corrections) and writes the request, its
history row and its audit event. Bad input or a refusal shows the form again with the message beside the
field (400, nothing written). The officer who files a request is recorded as its filer: by the four-eyes
rule someone else completes it.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from apps.core.actors import actor_for_request
from apps.core.discord import DISCORD_ID_PATTERN
from apps.core.errors import ApplicationError
from apps.core.portal import portal_user_may
from apps.portal.access import OFFICER, portal_view
from apps.portal.shell import render_portal
from apps.privacy import services as privacy_services
from apps.privacy.choices import RequestKind
from apps.privacy.selectors.requests import member_for_request
from apps.tenants.selectors import tenant_list

CHANGE = "privacy.request_change"
NOTE_MAX_LENGTH = 2000


class TenantChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name} ({obj.guild_id})"


class IntakeForm(forms.Form):
    """A request as staff received it: whose data (guild and Discord user id), what they ask for."""

    tenant = TenantChoiceField(
        queryset=tenant_list().order_by("name"),
        label=gettext_lazy("Guild"),
        empty_label=gettext_lazy("(choose the guild)"),
        error_messages={"invalid_choice": gettext_lazy("That guild does not exist: pick one from the list.")},
    )
    discord_user_id = forms.RegexField(
        regex=DISCORD_ID_PATTERN,
        max_length=20,
        label=gettext_lazy("The person's Discord user id"),
        help_text=gettext_lazy("17 to 20 digits: who the request is about (a member of the guild)."),
        error_messages={"invalid": gettext_lazy("A Discord user id is 17 to 20 digits, without a leading zero.")},
    )
    kind = forms.ChoiceField(choices=RequestKind.choices, label=gettext_lazy("What they ask for"))
    note = forms.CharField(
        max_length=NOTE_MAX_LENGTH,
        required=False,
        label=gettext_lazy("How the request reached us"),
        help_text=gettext_lazy("E.g. 'e-mail to privacy@ of 7 December'. Kept with the request."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    changes = forms.CharField(
        max_length=NOTE_MAX_LENGTH,
        required=False,
        label=gettext_lazy("Corrections (rectification only)"),
        help_text=gettext_lazy("One per line as field: value, e.g. 'country: DE'. Fields: %(fields)s.")
        % {"fields": "username, display_name, email, date_of_birth, country, notes"},
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_changes(self) -> dict[str, str]:
        changes = {}
        for number, line in enumerate(self.cleaned_data["changes"].splitlines(), start=1):
            if not line.strip():
                continue
            name, colon, value = line.partition(":")
            if not colon or not name.strip():
                raise forms.ValidationError(
                    _("Line %(number)d is not 'field: value'.") % {"number": number}, code="invalid"
                )
            changes[name.strip()] = value.strip()
        return changes

    def clean(self) -> dict:
        data = super().clean()
        if data.get("kind") == RequestKind.RECTIFICATION and not data.get("changes") and "changes" not in self.errors:
            self.add_error("changes", _("A rectification names at least one correction."))
        if data.get("kind") != RequestKind.RECTIFICATION and data.get("changes"):
            self.add_error("changes", _("Only a rectification has corrections; leave this empty."))
        return data

    def details(self) -> dict:
        details = {}
        if self.cleaned_data["note"].strip():
            details["note"] = self.cleaned_data["note"].strip()
        if self.cleaned_data["kind"] == RequestKind.RECTIFICATION:
            details["changes"] = self.cleaned_data["changes"]
        return details


def _refusal_to_form(form: IntakeForm, refused: ApplicationError) -> None:
    """A service refusal beside the field it names (the member's id, the corrections), else above the form."""
    if refused.code == "member_not_found":
        form.add_error("discord_user_id", refused.message)
    elif "details" in refused.fields:
        problems = refused.fields["details"]
        detail = problems[0].get("changes", {}) if problems and isinstance(problems[0], dict) else {}
        text = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in detail.items()) or refused.message
        form.add_error("changes", text)
    else:
        form.add_error(None, refused.message)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@portal_view(OFFICER)
def dsr_create(request: HttpRequest) -> HttpResponse:
    """The intake form (GET) and filing the request (POST); the answer to a filed request is its page."""
    if not portal_user_may(request.user, CHANGE):
        raise PermissionDenied(_("Your role may read data-subject requests but not file them."))
    form = IntakeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            try:
                member = member_for_request(
                    tenant=form.cleaned_data["tenant"], discord_user_id=form.cleaned_data["discord_user_id"]
                )
                dsr = privacy_services.request_receive(
                    actor=actor_for_request(request),
                    member=member,
                    kind=form.cleaned_data["kind"],
                    details=form.details(),
                )
            except ApplicationError as refused:
                _refusal_to_form(form, refused)
            else:
                messages.success(
                    request,
                    _("Request #%(id)d logged. Next: verify the requester's identity.") % {"id": dsr.pk},
                )
                return redirect("portal:dsr", request_id=dsr.pk)
        messages.error(request, _("The request was not logged: check the form."))
    status = 400 if form.errors else 200
    context = {"form": form, "due_days": settings.PRIVACY_REQUEST_DUE_DAYS}
    return render_portal(request, "portal/privacy/dsr_create.html", context, status=status)
