"""Cappers in the admin: created through `capper_create`; name, avatar and active flag can change."""

from django.contrib import admin
from django.db import models
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from apps.betting import services
from apps.betting.admin.forms import CapperAddForm
from apps.betting.models import Capper
from apps.core.actors import actor_for_request
from apps.core.admin.exports import ExportAdminMixin
from apps.core.admin.tools import ModelAdmin, ServiceAdminMixin
from apps.core.exports import Column
from apps.tenants.models import Tenant

TENANT_PARAMETER = "tenant__id__exact"  # the bet list's tenant filter parameter


@admin.register(Capper)
class CapperAdmin(ExportAdminMixin, ServiceAdminMixin, ModelAdmin):
    """Created through `capper_create`; an existing capper's name, avatar and active flag can change."""

    list_display = ["display_name", "discord_user_id", "tenant", "is_active", "created_at"]
    list_filter = ["tenant", "is_active"]
    search_fields = ["display_name", "member__username", "=member__discord_user_id"]
    search_help_text = "Part of a display name or username, or an exact Discord user id."
    list_select_related = ["tenant", "member"]
    autocomplete_fields = ["tenant"]
    export_columns = [
        Column("id", "id"),
        Column("display name", "display_name"),
        Column("Discord user id", "member__discord_user_id"),
        Column("guild id", "tenant__guild_id"),
        Column("active", "is_active"),
        Column("created at (UTC)", "created_at"),
    ]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("tenant", "member")

    @admin.display(description="Discord user id", ordering="member__discord_user_id")
    def discord_user_id(self, capper: Capper) -> str:
        return capper.member.discord_user_id

    @admin.display(description="bets")
    def bets_link(self, capper: Capper) -> str:
        query = urlencode({TENANT_PARAMETER: capper.tenant_id, "capper": capper.pk})
        return format_html('<a href="{}?{}">Bets of {}</a>', reverse("admin:betting_bet_changelist"), query, capper)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["tenant", "discord_user_id", "username", "display_name", "avatar_url"]
        return ["tenant", "member", "display_name", "avatar_url", "is_active", "created_at", "bets_link"]

    def get_readonly_fields(self, request, obj=None):
        return ["tenant", "member", "created_at", "bets_link"] if obj is not None else []

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = CapperAddForm
        return super().get_form(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "tenant":
            kwargs["queryset"] = Tenant.objects.live()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # bets and ledger entries point at cappers: deactivate instead

    def save_model(self, request, obj, form, change):
        actor = actor_for_request(request)
        if not change:
            saved = services.capper_create(
                tenant=form.cleaned_data["tenant"],
                actor=actor,
                discord_user_id=form.cleaned_data["discord_user_id"],
                username=form.cleaned_data["username"],
                display_name=form.cleaned_data["display_name"],
                avatar_url=form.cleaned_data["avatar_url"],
            )
            obj.pk, obj.display_name = saved.pk, saved.display_name
            return
        services.capper_update(
            capper=obj, actor=actor, display_name=obj.display_name, avatar_url=obj.avatar_url, is_active=obj.is_active
        )
