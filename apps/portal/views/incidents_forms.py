"""The incident pages' forms: they check the shape of what staff typed; the incident services hold the rules
(a skipped state needs a reason, the evidence size limit, who may approve a review …)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.incidents.choices import IncidentKind, IncidentSeverity, IncidentStatus
from apps.incidents.models import EscalationPolicy

TEXT = 2000


class PortalForm(forms.Form):
    """Several forms share the incident page: each gets its own id prefix (`<form name>_<field>`)."""

    id_prefix = "form"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class DeclareForm(PortalForm):
    id_prefix = "declare"
    title = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=IncidentKind.choices)
    severity = forms.ChoiceField(choices=IncidentSeverity.choices)
    description = forms.CharField(max_length=TEXT, required=False, widget=forms.Textarea(attrs={"rows": 4}))
    personal_data_involved = forms.BooleanField(required=False, label=gettext_lazy("Personal data involved"))
    escalation_policy = forms.ModelChoiceField(
        queryset=EscalationPolicy.objects.order_by("name"),
        required=False,
        empty_label=gettext_lazy("(the rule's or the default policy)"),
        error_messages={"invalid_choice": "That escalation policy does not exist: pick one from the list."},
    )
    guild_id = forms.RegexField(
        regex=r"^\d{0,20}$",
        max_length=20,
        required=False,
        label=gettext_lazy("Guild id"),
        error_messages={"invalid": "A guild id is the Discord server's number (digits only), or empty."},
    )


class TransitionForm(PortalForm):
    id_prefix = "transition"
    status = forms.ChoiceField(choices=IncidentStatus.choices, label=gettext_lazy("New status"))
    reason = forms.CharField(
        max_length=500, required=False, help_text=gettext_lazy("Required when a state is skipped.")
    )


class NoteForm(PortalForm):
    id_prefix = "note"
    text = forms.CharField(max_length=TEXT, label=gettext_lazy("Note"), widget=forms.Textarea(attrs={"rows": 3}))


class ManualDoneForm(PortalForm):
    id_prefix = "done"
    note = forms.CharField(max_length=500, required=False)


class EvidenceUploadForm(PortalForm):
    id_prefix = "upload"
    title = forms.CharField(max_length=200)
    file = forms.FileField()
    description = forms.CharField(max_length=TEXT, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = getattr(settings, "INCIDENT_EVIDENCE_MAX_BYTES", 25 * 1024 * 1024)
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is %(size)s bytes; evidence may be at most %(limit)s bytes. Split or compress it.")
                % {"size": upload.size, "limit": limit}
            )
        return upload


class EvidenceAccessForm(PortalForm):
    id_prefix = "access"
    purpose = forms.CharField(
        max_length=300, help_text=gettext_lazy("Why you need it: recorded in the chain of custody.")
    )


class ClockNoticeForm(PortalForm):
    id_prefix = "clock"
    authority_notified_at = forms.DateTimeField(required=False, label=gettext_lazy("Authority notified at (UTC)"))
    authority_notice = forms.CharField(max_length=500, required=False, label=gettext_lazy("How, to whom, reference"))
    subjects_notified_at = forms.DateTimeField(required=False, label=gettext_lazy("Data subjects notified at (UTC)"))
    subjects_notice = forms.CharField(
        max_length=500, required=False, label=gettext_lazy("How the data subjects were told")
    )

    def clean(self):
        data = super().clean()
        if not data.get("authority_notified_at") and not data.get("subjects_notified_at"):
            raise forms.ValidationError(_("Give when the authority or the data subjects were notified."))
        return data


class ReviewForm(PortalForm):
    id_prefix = "review"
    summary = forms.CharField(max_length=10_000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    root_cause = forms.CharField(max_length=10_000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    lessons_learned = forms.CharField(max_length=10_000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    cost_amount = forms.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    cost_currency = forms.RegexField(
        regex=r"^[A-Z]{3}$", error_messages={"invalid": "A currency is three capital letters, e.g. EUR."}
    )
    cost_notes = forms.CharField(max_length=TEXT, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class FollowUpForm(PortalForm):
    id_prefix = "followup"
    recommendation = forms.CharField(max_length=TEXT, widget=forms.Textarea(attrs={"rows": 2}))
    owner = forms.CharField(max_length=150, help_text=gettext_lazy("A staff username."))
    due_on = forms.DateField(help_text=gettext_lazy("YYYY-MM-DD"))
