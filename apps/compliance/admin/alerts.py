"""Alert rules (saved through the service, audited) and alerts (read-only; acknowledge and resolve
through the service as actions) in the admin."""

from django import forms
from django.contrib import admin

from apps.compliance.models import AlertRule, ComplianceAlert
from apps.compliance.services.alerts import (
    RULE_FIELDS,
    alert_acknowledge,
    alert_resolve,
    alert_rule_save,
    alert_rule_validate,
)
from apps.core.actors import actor_for_request
from apps.core.admin.tools import ModelAdmin, ReadOnlyAdmin, ServiceAdminMixin, each_selected
from apps.core.errors import ApplicationError


class AlertRuleForm(forms.ModelForm):
    class Meta:
        model = AlertRule
        fields = RULE_FIELDS

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        candidate = AlertRule(**data)
        try:
            alert_rule_validate(candidate)
        except ApplicationError as error:
            field = next(iter(error.fields), None)
            self.add_error(field if field in self.fields else None, error.message)
        return data


@admin.register(AlertRule)
class AlertRuleAdmin(ServiceAdminMixin, ModelAdmin):
    form = AlertRuleForm
    list_display = [
        "name",
        "condition",
        "priority",
        "minimum_severity",
        "framework",
        "acknowledgment_minutes",
        "is_enabled",
    ]
    list_filter = ["condition", "priority", "is_enabled"]
    list_select_related = ["framework"]
    search_fields = ["name", "check_id"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # alerts keep their rule; disable a rule instead

    def save_model(self, request, obj, form, change):
        alert_rule_save(rule=obj, actor=actor_for_request(request))


@admin.register(ComplianceAlert)
class ComplianceAlertAdmin(ReadOnlyAdmin):
    list_display = ["id", "rule", "subject", "priority", "status", "occurrence_count", "raised_at", "acknowledge_by"]
    list_filter = ["status", "priority"]
    list_select_related = ["rule"]
    search_fields = ["subject", "summary"]
    actions = ["acknowledge", "resolve"]

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and request.user.has_perm("compliance.change_compliancealert")  # actions only

    def _each(self, request, queryset, handle, done: str) -> None:
        actor = actor_for_request(request)
        each_selected(
            self,
            request,
            queryset,
            lambda alert: handle(alert, actor),
            name=lambda alert: f"Alert {alert.pk}",
            done=f"alert(s) {done}",
        )

    @admin.action(description="Acknowledge the selected alerts", permissions=["change"])
    def acknowledge(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda alert, actor: alert_acknowledge(alert=alert, user=request.user, actor=actor),
            "acknowledged",
        )

    @admin.action(description="Resolve the selected alerts", permissions=["change"])
    def resolve(self, request, queryset):
        note = f"Resolved in admin by {request.user.get_username()}"
        self._each(
            request,
            queryset,
            lambda alert, actor: alert_resolve(alert=alert, actor=actor, user=request.user, note=note),
            "resolved",
        )
