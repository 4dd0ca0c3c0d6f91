"""BI report definitions, runs and files in the admin: definitions saved through the service (schedule and
audit included), runs and files read-only with their SHA-256, "run now" as an action through the service
(which audits the request and queues the run through the outbox)."""

from django import forms
from django.contrib import admin

from apps.analytics.choices import ReportFormat, ReportPeriod
from apps.analytics.models import ReportDefinition, ReportFile, ReportRun
from apps.analytics.reports.definitions import definition_inputs_validate
from apps.analytics.reports.templates import TEMPLATE_CHOICES
from apps.analytics.services.report_requests import report_run_request
from apps.analytics.services.reports import (
    report_definition_create,
    report_definition_delete,
    report_definition_update,
)
from apps.core.actors import actor_for_request
from apps.core.admin.tools import ModelAdmin, ReadOnlyAdmin, ReadOnlyInline, ServiceAdminMixin, each_selected
from apps.core.errors import ApplicationError

DEFINITION_FIELDS = ["name", "template", "period", "formats", "recipients", "cron", "is_enabled"]


class ReportDefinitionForm(forms.ModelForm):
    """The shape of the fields; the service checks the rest (template fits the scope, cron, addresses)."""

    template = forms.ChoiceField(choices=TEMPLATE_CHOICES)
    period = forms.ChoiceField(choices=ReportPeriod.choices)
    formats = forms.MultipleChoiceField(
        choices=ReportFormat.choices, widget=forms.CheckboxSelectMultiple, initial=ReportFormat.values
    )
    recipients = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="E-mail addresses, comma-separated."
    )

    class Meta:
        model = ReportDefinition
        fields = ["tenant", *DEFINITION_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and isinstance(self.instance.recipients, list):
            self.initial["recipients"] = ", ".join(self.instance.recipients)

    def clean(self):
        data = super().clean()
        tenant = self.instance.tenant if self.instance.pk else data.get("tenant")
        inputs = {name: data.get(name, "") for name in ["template", "period", "formats", "recipients", "cron"]}
        try:
            data.update(definition_inputs_validate(tenant=tenant, **inputs))
        except ApplicationError as refused:
            for field, problems in refused.fields.items():
                for problem in problems:
                    self.add_error(field if field in self.fields else None, problem)
        return data


@admin.register(ReportDefinition)
class ReportDefinitionAdmin(ServiceAdminMixin, ModelAdmin):
    form = ReportDefinitionForm
    list_display = ["name", "tenant", "template", "period", "cron", "is_enabled", "last_run_number", "updated_at"]
    list_filter = ["template", "period", "is_enabled"]
    list_select_related = ["tenant"]
    search_fields = ["name", "tenant__name", "tenant__guild_id"]
    raw_id_fields = ["tenant"]
    readonly_fields = ["periodic_task", "last_run_number", "created_by", "created_at", "updated_at"]
    actions = ["run_now"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "tenant"] if obj is not None else fields  # a definition's tenant never changes

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # deletes go through the service, one at a time
        return actions

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and (obj is None or not obj.runs.exists())

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in DEFINITION_FIELDS}
        actor = actor_for_request(request)
        if change:
            saved = report_definition_update(definition=ReportDefinition.objects.get(pk=obj.pk), actor=actor, **data)
        else:
            saved = report_definition_create(actor=actor, tenant=form.cleaned_data.get("tenant"), **data)
        obj.pk, obj.periodic_task = saved.pk, saved.periodic_task

    def delete_model(self, request, obj):
        report_definition_delete(definition=obj, actor=actor_for_request(request))

    @admin.action(description="Run the selected reports now", permissions=["change"])
    def run_now(self, request, queryset):
        actor = actor_for_request(request)
        each_selected(
            self,
            request,
            queryset.select_related("tenant"),
            lambda definition: report_run_request(definition=definition, actor=actor),
            name=str,
            done="report(s) queued",
        )


class ReportFileInline(ReadOnlyInline):
    model = ReportFile
    fields = ["format", "file", "sha256", "size_bytes", "created_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("run__definition")


@admin.register(ReportRun)
class ReportRunAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "definition",
        "number",
        "status",
        "period_start",
        "period_end",
        "row_count",
        "triggered_by",
        "started_at",
    ]
    list_filter = ["status", "template"]
    list_select_related = ["definition"]
    search_fields = ["definition__name", "summary"]
    raw_id_fields = ["notification"]
    inlines = [ReportFileInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("definition__tenant", "notification")


@admin.register(ReportFile)
class ReportFileAdmin(ReadOnlyAdmin):
    list_display = ["id", "run", "format", "sha256", "size_bytes", "created_at"]
    list_filter = ["format"]
    list_select_related = ["run__definition"]
    search_fields = ["sha256"]
