"""Retention in the admin: policies (edited through the service), legal holds (placed and released with
a reason, audited), and the run log (read-only). A run can be started from the run list, dry or real."""

import json

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext as _

from apps.core.actors import actor_for_request
from apps.core.admin.tools import ModelAdmin, ReadOnlyAdmin, ServiceAdminMixin
from apps.core.errors import ApplicationError
from apps.privacy.admin.reasons import MAX_ROWS_PER_ACTION, reason_action
from apps.privacy.models import LegalHold, RetentionPolicy, RetentionRun
from apps.privacy.retention.kinds import retention_kinds
from apps.privacy.services.retention import (
    legal_hold_place,
    legal_hold_release,
    retention_policy_create,
    retention_policy_update,
    retention_run,
)


class RetentionPolicyForm(forms.ModelForm):
    kind = forms.ChoiceField(choices=[])

    class Meta:
        model = RetentionPolicy
        fields = ["kind", "period_days", "action", "enabled", "description"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "kind" in self.fields:
            self.fields["kind"].choices = [(kind.key, f"{kind.label} ({kind.key})") for kind in retention_kinds()]


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(ServiceAdminMixin, ModelAdmin):
    form = RetentionPolicyForm
    list_display = ["kind", "action", "period_days", "enabled", "updated_at"]
    list_filter = ["action", "enabled"]
    search_fields = ["kind"]
    readonly_fields = ["created_at", "updated_at"]

    def get_readonly_fields(self, request, obj=None):
        # a policy's kind is its identity: change the other fields, or make a policy for another kind
        return [*self.readonly_fields, "kind"] if obj is not None else self.readonly_fields

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # disable a policy instead: the compliance check sees a kind without one

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in ("period_days", "action", "enabled", "description")}
        actor = actor_for_request(request)
        if change:
            saved = retention_policy_update(policy=obj, actor=actor, **data)
        else:
            saved = retention_policy_create(actor=actor, kind=form.cleaned_data["kind"], **data)
        obj.pk = saved.pk


class LegalHoldPlaceForm(forms.ModelForm):
    class Meta:
        model = LegalHold
        fields = ["tenant", "member", "reason"]

    def clean(self):
        data = super().clean()
        if bool(data.get("tenant")) == bool(data.get("member")):
            raise forms.ValidationError(_("Choose either a tenant or a member (exactly one)."))
        return data


@admin.register(LegalHold)
class LegalHoldAdmin(ServiceAdminMixin, ModelAdmin):
    list_display = ["id", "subject", "is_active", "placed_by", "placed_at", "released_at"]
    list_filter = [("released_at", admin.EmptyFieldListFilter)]
    list_select_related = ["tenant", "member__tenant"]
    search_fields = ["=tenant__guild_id", "=member__discord_user_id", "reason"]
    raw_id_fields = ["tenant", "member"]
    actions = ["release_selected"]
    readonly_fields = [
        "tenant", "member", "reason", "placed_by", "placed_at", "released_at", "released_by", "release_reason",
    ]  # fmt: skip

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = LegalHoldPlaceForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ["tenant", "member", "reason"]

    @admin.display(description="subject")
    def subject(self, hold: LegalHold) -> str:
        if hold.tenant_id:
            return f"tenant {hold.tenant.guild_id} ({hold.tenant.name})"
        return f"member {hold.member.discord_user_id} of {hold.member.tenant.guild_id}"

    @admin.display(description="active", boolean=True)
    def is_active(self, hold: LegalHold) -> bool:
        return hold.released_at is None

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)  # release with the action

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # released, never deleted: the hold is evidence

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        hold = legal_hold_place(
            actor=actor_for_request(request),
            tenant=data.get("tenant"),
            member=data.get("member"),
            reason=data["reason"],
        )
        obj.pk = hold.pk

    @admin.action(description="Release the selected holds", permissions=["view"])
    def release_selected(self, request, queryset):
        holds = list(queryset.filter(released_at__isnull=True).select_related("tenant", "member")[:MAX_ROWS_PER_ACTION])

        def release(reason: str) -> None:
            actor = actor_for_request(request)
            for hold in holds:
                legal_hold_release(hold=hold, actor=actor, reason=reason)
            self.message_user(request, f"{len(holds)} hold(s) released.", messages.SUCCESS)

        return reason_action(
            self,
            request,
            holds,
            empty="None of the selected holds is active.",
            describe=lambda hold: (hold.pk, str(hold), hold.reason),
            apply=release,
            action="release_selected",
            title="Release legal holds",
            intro="Retention may act on the data of these tenants and members again from its next run.",
        )


@admin.register(RetentionRun)
class RetentionRunAdmin(ReadOnlyAdmin):
    list_display = ["id", "started_at", "finished_at", "dry_run", "status", "acted", "held", "triggered_by"]
    list_filter = ["dry_run", "status"]
    fields = [
        "started_at", "finished_at", "dry_run", "status", "triggered_by", "counts_table", "error",
        "archive_path", "manifest_sha256",
    ]  # fmt: skip
    readonly_fields = fields
    actions = ["dry_run_now"]

    @admin.display(description="acted")
    def acted(self, run: RetentionRun) -> int:
        return run.total("acted")

    @admin.display(description="held")
    def held(self, run: RetentionRun) -> int:
        return run.total("held")

    @admin.display(description="per kind")
    def counts_table(self, run: RetentionRun):
        return format_html("<pre style='white-space: pre-wrap'>{}</pre>", json.dumps(run.counts, indent=2))

    @admin.action(description="Dry run of every policy now (counts only)", permissions=["view"])
    def dry_run_now(self, request, queryset):
        try:
            run = retention_run(actor=actor_for_request(request), dry_run=True)
        except ApplicationError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        self.message_user(
            request,
            f"Dry run {run.pk}: {run.total('matched')} matched, {run.total('held')} held, "
            f"{run.total('acted')} would be acted on.",
            messages.SUCCESS,
        )
