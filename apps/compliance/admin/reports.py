"""Report definitions, runs and files in the admin: definitions saved through the service (schedule
and audit included), runs and files read-only with their SHA-256, "run now" as an action."""

import json

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html

from apps.compliance.models import ReportDefinition, ReportFile, ReportRun
from apps.compliance.reporting.parameters import cron_validate, parameters_validate, recipients_validate
from apps.compliance.services.reports import (
    report_definition_create,
    report_definition_delete,
    report_definition_update,
)
from apps.compliance.tasks import run_report
from apps.core.actors import actor_for_request
from apps.core.admin.tools import ModelAdmin, ReadOnlyAdmin, ReadOnlyInline, ServiceAdminMixin
from apps.core.enqueue import enqueue
from apps.core.errors import ApplicationError

DEFINITION_FIELDS = ["name", "kind", "framework", "parameters", "cron", "recipients", "is_enabled"]


class ReportDefinitionForm(forms.ModelForm):
    recipients = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="E-mail addresses, comma-separated."
    )

    class Meta:
        model = ReportDefinition
        fields = DEFINITION_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and isinstance(self.instance.recipients, list):
            self.initial["recipients"] = ", ".join(self.instance.recipients)

    def _checked(self, field: str, check, *args, **kwargs):
        try:
            return check(*args, **kwargs)
        except ApplicationError as error:
            self.add_error(field, error.message)
            return None

    def clean(self):
        data = super().clean()
        if "kind" in data:
            data["parameters"] = self._checked(
                "parameters", parameters_validate, kind=data["kind"], parameters=data.get("parameters")
            )
        data["cron"] = self._checked("cron", cron_validate, data.get("cron", ""))
        data["recipients"] = self._checked("recipients", recipients_validate, data.get("recipients", ""))
        return data


@admin.register(ReportDefinition)
class ReportDefinitionAdmin(ServiceAdminMixin, ModelAdmin):
    form = ReportDefinitionForm
    list_display = ["name", "kind", "framework", "cron", "is_enabled", "last_run_number", "updated_at"]
    list_filter = ["kind", "is_enabled"]
    list_select_related = ["framework"]
    search_fields = ["name"]
    readonly_fields = ["periodic_task", "last_run_number", "created_by", "created_at", "updated_at"]
    actions = ["run_now"]

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
            saved = report_definition_create(actor=actor, **data)
        obj.pk, obj.periodic_task = saved.pk, saved.periodic_task

    def delete_model(self, request, obj):
        report_definition_delete(definition=obj, actor=actor_for_request(request))

    @admin.action(description="Run the selected reports now", permissions=["change"])
    def run_now(self, request, queryset):
        queued = [enqueue(run_report, definition.pk) for definition in queryset]
        self.message_user(request, f"{len(queued)} report(s) queued.", messages.SUCCESS)


class ReportFileInline(ReadOnlyInline):
    model = ReportFile
    fields = ["format", "file", "sha256", "size_bytes", "created_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("run__definition")


@admin.register(ReportRun)
class ReportRunAdmin(ReadOnlyAdmin):
    list_display = ["id", "definition", "number", "status", "row_count", "triggered_by", "started_at", "emailed_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["definition"]
    search_fields = ["definition__name", "summary"]
    readonly_fields = ["parameters_pretty"]
    exclude = ["parameters"]
    inlines = [ReportFileInline]

    @admin.display(description="parameters")
    def parameters_pretty(self, run: ReportRun):
        return format_html("<pre>{}</pre>", json.dumps(run.parameters, indent=2, sort_keys=True))


@admin.register(ReportFile)
class ReportFileAdmin(ReadOnlyAdmin):
    list_display = ["id", "run", "format", "sha256", "size_bytes", "created_at"]
    list_filter = ["format"]
    list_select_related = ["run__definition"]
    search_fields = ["sha256"]
