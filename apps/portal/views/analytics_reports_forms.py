"""The BI report definition form of the portal: it checks the shape of what staff typed and runs the service's
own checks (`report_definition_check`, no writes), so each problem shows under its own field."""

from django import forms
from django.utils.translation import gettext_lazy

from apps.analytics.choices import ReportFormat, ReportPeriod
from apps.analytics.selectors.reports import report_templates
from apps.analytics.services.reports import report_definition_check
from apps.core.errors import ApplicationError


class ReportDefinitionForm(forms.Form):
    name = forms.CharField(max_length=120)
    template = forms.ChoiceField()
    period = forms.ChoiceField(choices=ReportPeriod.choices, initial=ReportPeriod.LAST_7_DAYS)
    formats = forms.MultipleChoiceField(
        choices=ReportFormat.choices, widget=forms.CheckboxSelectMultiple, initial=ReportFormat.values
    )
    recipients = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("E-mail addresses, separated by commas. The PDF and the XLSX are e-mailed to them."),
    )
    cron = forms.CharField(
        max_length=100,
        required=False,
        label=gettext_lazy("Schedule (cron, UTC)"),
        help_text=gettext_lazy("Five fields, e.g. '0 6 * * 1' for Mondays at 06:00 UTC. Empty: on demand only."),
    )
    is_enabled = forms.BooleanField(required=False, initial=True, label=gettext_lazy("Enabled"))

    def __init__(self, *args, tenant=None, **kwargs):
        kwargs.setdefault("auto_id", "report_%s")
        super().__init__(*args, **kwargs)
        self.tenant = tenant
        self.fields["template"].choices = [(item.key, item.title) for item in report_templates(tenant=tenant)]

    def clean(self):
        data = super().clean()
        inputs = {name: data.get(name, "") for name in ["name", "template", "period", "formats", "recipients", "cron"]}
        try:
            data.update(report_definition_check(tenant=self.tenant, **inputs))
        except ApplicationError as refused:
            for field, problems in refused.fields.items():
                if field in self.errors:
                    continue  # the field's own check said it already
                for problem in problems:
                    self.add_error(field if field in self.fields else None, problem)
        return data
