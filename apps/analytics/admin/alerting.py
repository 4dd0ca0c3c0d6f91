"""Admin of alert rules and silences. Every write goes through the analytics services (the same checks as
the portal, one audit event each): a rule's form is checked by `alert_rule_validate` (a bad query names
what is allowed), saved by `alert_rule_create` / `alert_rule_update`; a silence is added by
`alert_silence_create` and ended by an action calling `alert_silence_expire`. A rule's series and their
history are shown read-only under it."""

from datetime import timedelta

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.analytics.models import AlertInstance, AlertRule, AlertSilence
from apps.analytics.services.alerting import (
    RULE_FIELDS,
    alert_rule_create,
    alert_rule_set_enabled,
    alert_rule_update,
    alert_rule_validate,
    alert_silence_create,
    alert_silence_expire,
)
from apps.core.actors import actor_for_request
from apps.core.admin.tools import ModelAdmin, ReadOnlyInline, ServiceAdminMixin, each_selected
from apps.core.errors import ApplicationError

# the service names a query's parameter (query.metrics …); the admin shows it on the query field
_ADMIN_FIELDS = {"query.metrics": "query", "query.grain": "query", "query.group_by": "query", "query.filter": "query"}


class AlertRuleForm(forms.ModelForm):
    class Meta:
        model = AlertRule
        fields = list(RULE_FIELDS)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        tenant = self.instance.tenant if self.instance.pk else data.get("tenant")
        try:
            clean = alert_rule_validate({**data, "tenant": tenant})
        except ApplicationError as error:
            for name, messages in error.fields.items():
                field = _ADMIN_FIELDS.get(name, name.split("[")[0])
                for message in messages:
                    if field in self.fields:
                        self.add_error(field, message if field == name else f"{name}: {message}")
                    else:
                        self.add_error(None, f"{name}: {message}")
            return data
        data.update({key: clean[key] for key in ("query", "targets", "threshold_high")})
        return data


class AlertInstanceInline(ReadOnlyInline):
    model = AlertInstance
    fields = ["series_key", "state", "value", "pending_since", "firing_since", "resolved_at", "last_evaluated_at"]
    readonly_fields = fields
    ordering = ["series_key"]


@admin.register(AlertRule)
class AlertRuleAdmin(ServiceAdminMixin, ModelAdmin):
    form = AlertRuleForm
    list_display = ["name", "tenant", "condition_text", "severity", "is_enabled", "last_evaluated_at", "last_error"]
    list_filter = ["is_enabled", "severity"]
    list_select_related = ["tenant"]
    search_fields = ["name"]
    inlines = [AlertInstanceInline]
    actions = ["pause_rules", "resume_rules"]

    def get_readonly_fields(self, request, obj=None):
        # a rule keeps its scope (a new scope is a new rule); evaluation bookkeeping is the service's
        readonly = ["next_evaluation_at", "last_evaluated_at", "last_error", "created_by_label", "created_at"]
        return [*readonly, "tenant"] if obj is not None else readonly

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # pause a rule instead: its history stays

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in RULE_FIELDS if name in form.cleaned_data}
        actor = actor_for_request(request)
        if change:
            fields.pop("tenant", None)
            saved = alert_rule_update(rule=obj, actor=actor, **fields)
        else:
            saved = alert_rule_create(actor=actor, **fields)
        obj.pk = saved.pk
        obj.refresh_from_db()

    @admin.action(description="Pause the selected rules", permissions=["change"])
    def pause_rules(self, request, queryset):
        actor = actor_for_request(request)
        each_selected(
            self,
            request,
            queryset,
            lambda rule: alert_rule_set_enabled(rule=rule, actor=actor, is_enabled=False),
            name=str,
            done="rule(s) paused",
        )

    @admin.action(description="Resume the selected rules", permissions=["change"])
    def resume_rules(self, request, queryset):
        actor = actor_for_request(request)
        each_selected(
            self,
            request,
            queryset,
            lambda rule: alert_rule_set_enabled(rule=rule, actor=actor, is_enabled=True),
            name=str,
            done="rule(s) resumed",
        )


class AlertSilenceForm(forms.ModelForm):
    class Meta:
        model = AlertSilence
        fields = ["rule", "matchers", "starts_at", "ends_at", "comment"]

    def clean(self):
        data = super().clean()
        if not data.get("ends_at"):
            raise ValidationError(_("Give when the silence ends."))
        return data


@admin.register(AlertSilence)
class AlertSilenceAdmin(ServiceAdminMixin, ModelAdmin):
    form = AlertSilenceForm
    list_display = ["__str__", "starts_at", "ends_at", "created_by_label", "comment", "expired_at"]
    list_select_related = ["rule"]
    actions = ["expire_silences"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["rule", "matchers", "starts_at", "ends_at", "comment", "created_by_label", "expired_at"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # end it instead: who silenced what, and why, stays on record

    def get_changeform_initial_data(self, request):
        now = timezone.now().replace(microsecond=0)
        return {"starts_at": now, "ends_at": now + timedelta(hours=1)}

    def save_model(self, request, obj, form, change):
        if change:
            return  # a silence is not edited: end it and create another
        data = form.cleaned_data
        saved = alert_silence_create(
            actor=actor_for_request(request),
            rule=data.get("rule"),
            matchers=data.get("matchers") or {},
            starts_at=data.get("starts_at"),
            ends_at=data["ends_at"],
            comment=data.get("comment", ""),
            user=request.user,
        )
        obj.pk = saved.pk
        obj.refresh_from_db()

    @admin.action(description="End the selected silences now", permissions=["change"])
    def expire_silences(self, request, queryset):
        actor = actor_for_request(request)
        each_selected(
            self,
            request,
            queryset,
            lambda silence: alert_silence_expire(silence=silence, actor=actor),
            name=str,
            done="silence(s) ended",
        )
