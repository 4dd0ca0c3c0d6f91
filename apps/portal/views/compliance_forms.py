"""The compliance officer's forms (issue 17): define a report, run checks now, attest a requirement with an
evidence file, create, assign and complete remediation tasks. They check the shape of what was typed or
uploaded; the compliance services hold the rules (and refuse with a message the form shows)."""

import json
from datetime import timedelta
from pathlib import PurePath

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.compliance.choices import ReportKind
from apps.compliance.models import CheckRun, Framework
from apps.compliance.services.remediation_tasks import assignable_users

TEXT = 4000
# evidence files an attestation accepts: extension -> the bytes the file must start with (None: UTF-8 text)
EVIDENCE_TYPES = {
    "pdf": b"%PDF-",
    "png": b"\x89PNG\r\n\x1a\n",
    "jpg": b"\xff\xd8\xff",
    "jpeg": b"\xff\xd8\xff",
    "docx": b"PK\x03\x04",
    "xlsx": b"PK\x03\x04",
    "txt": None,
    "csv": None,
    "json": None,
    "md": None,
}
DEFAULT_EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
ATTESTATION_MAX_DAYS = 3 * 366


class PortalForm(forms.Form):
    """Several forms can share a page: each gets its own id prefix (`<prefix>_<field>`)."""

    id_prefix = "form"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class ReportDefinitionForm(PortalForm):
    id_prefix = "report"
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Template"), choices=ReportKind.choices)
    framework = forms.ModelChoiceField(
        label=_("Framework"),
        queryset=Framework.objects.order_by("name"),
        required=False,
        empty_label=_("Every framework"),
        help_text=_("For framework status reports; other templates ignore it."),
        error_messages={"invalid_choice": _("That framework does not exist: pick one from the list.")},
    )
    parameters = forms.CharField(
        label=_("Parameters (JSON)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_('Optional, e.g. {"days": 30}. Each template lists what it accepts; unknown names are refused.'),
    )
    cron = forms.CharField(
        label=_("Schedule (cron, UTC)"),
        required=False,
        max_length=100,
        help_text=_('Five fields, e.g. "0 6 * * 1" for Mondays at 06:00. Empty: on demand only.'),
    )
    recipients = forms.CharField(
        label=_("E-mail recipients"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Addresses separated by commas or new lines; each version is e-mailed as PDF, CSV and JSON."),
    )
    run_now = forms.BooleanField(label=_("Build the first version now"), required=False, initial=True)

    def clean_parameters(self) -> dict:
        text = self.cleaned_data["parameters"].strip()
        if not text:
            return {}
        try:
            value = json.loads(text)
        except ValueError:
            raise forms.ValidationError(_('Write the parameters as a JSON object, e.g. {"days": 30}.')) from None
        if not isinstance(value, dict):
            raise forms.ValidationError(_('Write the parameters as a JSON object, e.g. {"days": 30}.'))
        return value

    def clean_recipients(self) -> list[str]:
        text = self.cleaned_data["recipients"].replace(",", "\n")
        return [line.strip() for line in text.splitlines() if line.strip()]


class ChecksRunForm(PortalForm):
    id_prefix = "checks"
    framework = forms.ModelChoiceField(
        queryset=Framework.objects.all(),
        required=False,
        error_messages={"invalid_choice": _("That framework does not exist.")},
    )
    check_id = forms.CharField(max_length=100, required=False)

    def clean(self):
        cleaned = super().clean()
        if not self.errors and bool(cleaned.get("framework")) == bool(cleaned.get("check_id")):
            raise forms.ValidationError(_("Choose a framework or a single check to run."))
        return cleaned


def evidence_max_bytes() -> int:
    return getattr(settings, "COMPLIANCE_EVIDENCE_MAX_BYTES", DEFAULT_EVIDENCE_MAX_BYTES)


class AttestationForm(PortalForm):
    id_prefix = "attest"
    statement = forms.CharField(
        label=_("Statement"),
        max_length=TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you confirm is in place, and how you know."),
    )
    expires_on = forms.DateField(
        label=_("Valid until"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The requirement counts as attested until this day."),
    )
    evidence = forms.FileField(
        label=_("Evidence file"),
        help_text=_("PDF, PNG, JPEG, DOCX, XLSX, TXT, CSV, JSON or Markdown; stored with its SHA-256."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expires_on"].initial = timezone.now().date() + timedelta(days=365)

    def clean_expires_on(self):
        day = self.cleaned_data["expires_on"]
        today = timezone.now().date()
        if day <= today:
            raise forms.ValidationError(_("Choose a day after today."))
        if day > today + timedelta(days=ATTESTATION_MAX_DAYS):
            raise forms.ValidationError(_("An attestation is valid for at most three years: choose an earlier day."))
        return day

    def clean_evidence(self):
        upload = self.cleaned_data["evidence"]
        limit = evidence_max_bytes()
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is %(size)s bytes; evidence may be at most %(limit)s bytes. Split or compress it.")
                % {"size": upload.size, "limit": limit}
            )
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        extension = PurePath(upload.name).suffix.lower().lstrip(".")
        if extension not in EVIDENCE_TYPES:
            raise forms.ValidationError(
                _("Files of type .%(extension)s are not accepted; upload one of: %(allowed)s.")
                % {"extension": extension or "?", "allowed": ", ".join(sorted(EVIDENCE_TYPES))}
            )
        upload.seek(0)
        head = upload.read(8192)
        upload.seek(0)
        signature = EVIDENCE_TYPES[extension]
        looks_right = head.startswith(signature) if signature is not None else b"\x00" not in head
        if not looks_right:
            raise forms.ValidationError(
                _("The file's content is not a .%(extension)s file: upload the original document.")
                % {"extension": extension}
            )
        return upload


class AssigneeField(forms.ModelChoiceField):
    def label_from_instance(self, user) -> str:
        full_name = user.get_full_name()
        return f"{user.get_username()} ({full_name})" if full_name else user.get_username()


def _assignee_field(label, empty_label) -> AssigneeField:
    return AssigneeField(
        label=label,
        queryset=assignable_users(),
        required=False,
        empty_label=empty_label,
        error_messages={"invalid_choice": _("Choose a compliance officer or a security analyst from the list.")},
    )


class RemediationTaskForm(PortalForm):
    id_prefix = "task"
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("What needs doing"), required=False, max_length=TEXT, widget=forms.Textarea(attrs={"rows": 3})
    )
    requirement_key = forms.CharField(
        label=_("Requirement"),
        required=False,
        max_length=140,
        help_text=_("Optional, as framework:ref, e.g. soc2:CC6.1."),
    )
    check_run = forms.ModelChoiceField(
        queryset=CheckRun.objects.all(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("That check run does not exist.")},
    )
    due_on = forms.DateField(label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"] = _assignee_field(_("Assign to"), _("Nobody yet"))


class AssignForm(PortalForm):
    id_prefix = "assign"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"] = _assignee_field(_("Assign to"), _("Nobody (unassign)"))


class CompleteForm(PortalForm):
    id_prefix = "complete"
    note = forms.CharField(label=_("What was done"), max_length=TEXT, widget=forms.Textarea(attrs={"rows": 2}))
