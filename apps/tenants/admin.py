import json
import zoneinfo

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from apps.core.actors import actor_for_request
from apps.core.admin.exports import ExportAdminMixin
from apps.core.admin.tools import ModelAdmin, ServiceAdminMixin, each_selected
from apps.core.exports import Column
from apps.tenants import services
from apps.tenants.choices import TenantStatus
from apps.tenants.models import Tenant

EDITABLE = list(services.EDITABLE_FIELDS)
TIMEZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones())]


class TenantAdminForm(forms.ModelForm):
    """Checks up front what the tenant services would refuse, so the admin shows field errors."""

    timezone = forms.ChoiceField(choices=TIMEZONE_CHOICES, initial="UTC")

    class Meta:
        model = Tenant
        fields = ["guild_id", "name", "plan_code", *EDITABLE]

    def clean_settings(self) -> dict:
        value = self.cleaned_data.get("settings")
        if value in (None, ""):
            return {}
        if not isinstance(value, dict):
            raise forms.ValidationError(_("Must be a JSON object."))
        if len(json.dumps(value)) > services.MAX_SETTINGS_BYTES:
            raise forms.ValidationError(
                _("Must be at most %(max_settings_bytes)s bytes of JSON.")
                % {"max_settings_bytes": services.MAX_SETTINGS_BYTES}
            )
        return value


@admin.register(Tenant)
class TenantAdmin(ExportAdminMixin, ServiceAdminMixin, ModelAdmin):
    """Writes go through the tenant services (audit record included); status moves by actions."""

    form = TenantAdminForm
    list_display = ["name", "guild_id", "status", "plan_code", "timezone", "member_count", "created_at"]
    list_filter = ["status", "plan_code"]
    search_fields = ["name", "=guild_id"]
    export_columns = [
        Column("guild id", "guild_id"),
        Column("name", "name"),
        Column("status", "status"),
        Column("plan", "plan_code"),
        Column("time zone", "timezone"),
        Column("members", "member_total"),
        Column("created at (UTC)", "created_at"),
    ]
    fields = [
        "guild_id",
        "name",
        "status",
        "plan_code",
        "timezone",
        "unit_min",
        "unit_max",
        "settings",
        "created_at",
        "updated_at",
        "suspended_at",
        "offboarded_at",
        "audit_trail",
    ]
    readonly_fields = ["status", "created_at", "updated_at", "suspended_at", "offboarded_at", "audit_trail"]
    actions = ["suspend_selected", "reactivate_selected", "offboard_selected"]

    def get_queryset(self, request):
        # a GROUP BY query drops the model's default ordering: restate it (the autocomplete pages by it)
        return super().get_queryset(request).annotate(member_total=Count("members")).order_by("name", "pk")

    @admin.display(description="members", ordering="member_total")
    def member_count(self, tenant: Tenant) -> int:
        return tenant.member_total

    @admin.display(description="audit trail")
    def audit_trail(self, tenant: Tenant) -> str:
        if tenant.pk is None:
            return "-"
        url = reverse("admin:audit_auditevent_changelist") + "?" + urlencode({"guild_id": tenant.guild_id})
        return format_html('<a href="{}">Events of this tenant</a>', url)

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if getattr(request.resolver_match, "url_name", None) == "autocomplete":
            # the tenant pickers of the key and member forms: those only accept a live tenant
            queryset = queryset.exclude(status=TenantStatus.OFFBOARDED)
        return queryset, may_have_duplicates

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "guild_id"] if obj is not None else self.readonly_fields

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.status == TenantStatus.OFFBOARDED:
            return False  # an offboarded tenant is history: its page is read-only
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # offboarding is the soft delete, an action

    def save_model(self, request, obj, form, change):
        actor = actor_for_request(request)
        values = {name: form.cleaned_data[name] for name in EDITABLE if name in form.cleaned_data}
        if change:
            changed = {name: value for name, value in values.items() if name in form.changed_data}
            saved = services.tenant_update(tenant=obj, actor=actor, **changed)
        else:
            values["timezone_name"] = values.pop("timezone")
            saved = services.tenant_create(actor=actor, guild_id=form.cleaned_data["guild_id"], **values)
        obj.pk = saved.pk

    def _each(self, request, queryset, transition, **kwargs) -> None:
        actor = actor_for_request(request)
        each_selected(
            self,
            request,
            queryset,
            lambda tenant: transition(tenant=tenant, actor=actor, **kwargs),
            name=str,
            done="tenant(s) updated",
        )

    @admin.action(description="Suspend selected tenants (blocks their API keys)", permissions=["change"])
    def suspend_selected(self, request, queryset):
        self._each(request, queryset, services.tenant_suspend, reason=f"suspended in admin by {request.user}")

    @admin.action(description="Reactivate selected tenants", permissions=["change"])
    def reactivate_selected(self, request, queryset):
        self._each(request, queryset, services.tenant_reactivate, reason=f"reactivated in admin by {request.user}")

    @admin.action(description="Offboard selected tenants (soft delete)", permissions=["change"])
    def offboard_selected(self, request, queryset):
        self._each(request, queryset, services.tenant_offboard, reason=f"offboarded in admin by {request.user}")
