from django.contrib import admin, messages
from django.db.models import Count

from apps.core.actors import actor_for_request
from apps.core.errors import ApplicationError
from apps.tenants import services
from apps.tenants.models import Tenant

EDITABLE = list(services.EDITABLE_FIELDS)


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    """Writes go through the tenant services (audit record included); status moves by actions."""

    list_display = ["name", "guild_id", "status", "plan_code", "timezone", "member_count", "created_at"]
    list_filter = ["status", "plan_code"]
    search_fields = ["name", "=guild_id"]
    readonly_fields = ["status", "created_at", "updated_at", "suspended_at", "offboarded_at"]
    actions = ["suspend_selected", "reactivate_selected", "offboard_selected"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_total=Count("members"))

    @admin.display(description="members", ordering="member_total")
    def member_count(self, tenant: Tenant) -> int:
        return tenant.member_total

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "guild_id"] if obj is not None else self.readonly_fields

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
        done = 0
        for tenant in queryset:
            try:
                transition(tenant=tenant, actor=actor_for_request(request), **kwargs)
                done += 1
            except ApplicationError as error:
                self.message_user(request, f"{tenant}: {error.message}", messages.ERROR)
        self.message_user(request, f"{done} tenant(s) updated.", messages.SUCCESS)

    @admin.action(description="Suspend selected tenants (blocks their API keys)", permissions=["change"])
    def suspend_selected(self, request, queryset):
        self._each(request, queryset, services.tenant_suspend, reason=f"suspended in admin by {request.user}")

    @admin.action(description="Reactivate selected tenants", permissions=["change"])
    def reactivate_selected(self, request, queryset):
        self._each(request, queryset, services.tenant_reactivate, reason=f"reactivated in admin by {request.user}")

    @admin.action(description="Offboard selected tenants (soft delete)", permissions=["change"])
    def offboard_selected(self, request, queryset):
        self._each(request, queryset, services.tenant_offboard, reason=f"offboarded in admin by {request.user}")
