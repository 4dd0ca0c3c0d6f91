"""Admin of escalation policies and their levels: the same rules as the API (services/policies.py
`levels_validate`); a webhook target's signing secret is shown here, for the receiver's operator."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.utils.html import format_html_join

from apps.core.actors import actor_for_request
from apps.core.admin.tools import ModelAdmin, ServiceAdminMixin, TabularInline
from apps.core.errors import ApplicationError
from apps.incidents.choices import TargetKind
from apps.incidents.models import EscalationLevel, EscalationPolicy
from apps.incidents.services.policies import (
    escalation_policy_demote_other_defaults,
    escalation_policy_saved,
    levels_validate,
)
from apps.notifications.models import WebhookEndpoint


class EscalationLevelFormSet(BaseInlineFormSet):
    """The levels of one policy, checked together (levels 1..n, no gap, no duplicate; targets valid;
    the critical start level among them); the targets are stored in their canonical form."""

    def clean(self) -> None:
        super().clean()
        if any(form.errors for form in self.forms):
            return
        forms = [form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]
        levels = [
            {
                "level": form.cleaned_data.get("level"),
                "ack_timeout_seconds": form.cleaned_data.get("ack_timeout_seconds"),
                "targets": form.cleaned_data.get("targets"),
            }
            for form in forms
        ]
        try:
            clean = levels_validate(levels, critical_start_level=self.instance.critical_start_level)
        except ApplicationError as error:
            raise ValidationError(
                [f"{field}: {message}" for field, messages in error.fields.items() for message in messages]
            ) from error
        by_level = {entry["level"]: entry["targets"] for entry in clean}
        for form in forms:
            form.cleaned_data["targets"] = by_level[form.cleaned_data["level"]]


class EscalationLevelInline(TabularInline):
    model = EscalationLevel
    formset = EscalationLevelFormSet
    fields = ["level", "ack_timeout_seconds", "targets"]
    extra = 0
    ordering = ["level"]


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(ServiceAdminMixin, ModelAdmin):
    list_display = ["name", "is_default", "critical_start_level", "level_count", "updated_at"]
    list_filter = ["is_default"]
    search_fields = ["name"]
    readonly_fields = ["webhook_secrets", "created_at", "updated_at"]
    inlines = [EscalationLevelInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(level_count=Count("levels"))

    @admin.display(description="Levels", ordering="level_count")
    def level_count(self, obj) -> int:
        return obj.level_count

    @admin.display(description="Webhook signing secrets (Standard Webhooks)")
    def webhook_secrets(self, obj) -> str:
        if obj is None or obj.pk is None:
            return "Created with the policy."
        if not hasattr(obj, "_webhook_secrets"):  # unfold's form reads a read-only field's value more than once
            obj._webhook_secrets = self._webhook_secrets(obj)
        return obj._webhook_secrets

    def _webhook_secrets(self, obj) -> str:
        urls = {
            target["url"]
            for row in obj.levels.all()
            for target in row.targets
            if target.get("kind") == TargetKind.WEBHOOK and target.get("url")
        }
        endpoints = WebhookEndpoint.objects.filter(url__in=urls, tenant=None, subscribed=False).order_by("url")
        return (
            format_html_join("", "<div>{}: <code>{}</code></div>", ((row.url, row.secret) for row in endpoints)) or "-"
        )

    def save_model(self, request, obj, form, change):
        escalation_policy_demote_other_defaults(policy=obj)
        super().save_model(request, obj, form, change)

    @transaction.atomic
    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        escalation_policy_saved(policy=form.instance, actor=actor_for_request(request), created=not change)
