"""Notification settings (webhook endpoints, Discord channels, preferences) and the read-only delivery log."""

from django.contrib import admin, messages
from django.db import models

from apps.core.actors import actor_for_request
from apps.core.admin.exports import ExportAdminMixin
from apps.core.admin.tools import ModelAdmin, TabularInline
from apps.core.errors import ApplicationError
from apps.core.exports import Column
from apps.notifications.models import Delivery, DiscordChannel, Notification, NotificationPreference, WebhookEndpoint
from apps.notifications.services import webhook_dead_letters_replay


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ExportAdminMixin, ModelAdmin):
    """Tenants' subscriptions and the platform's endpoints: state and failures at a glance; the failure count and
    the disabling are the delivery layer's (read-only here)."""

    list_display = ["name", "tenant", "url", "state", "consecutive_failures", "disabled_at", "subscribed", "created_at"]
    list_select_related = ["tenant"]
    list_filter = ["is_active", "subscribed"]
    search_fields = ["name", "url", "tenant__guild_id"]
    export_columns = [
        Column("id", "id"),
        Column("name", "name"),
        Column("guild id", "tenant__guild_id"),
        Column("url", "url"),
        Column("active", "is_active"),
        Column("consecutive failures", "consecutive_failures"),
        Column("disabled at (UTC)", "disabled_at"),
        Column("disabled reason", "disabled_reason"),
        Column("created at (UTC)", "created_at"),
    ]
    readonly_fields = ["consecutive_failures", "disabled_at", "disabled_reason", "created_at", "updated_at"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = ["replay_dead_letters"]

    @admin.display(description="state")
    def state(self, obj: WebhookEndpoint) -> str:
        return "enabled" if obj.is_active else f"disabled: {obj.disabled_reason or 'by hand'}"[:80]

    @admin.action(description="Replay the dead-lettered deliveries of the selected endpoints", permissions=["change"])
    def replay_dead_letters(self, request, queryset) -> None:
        actor, queued = actor_for_request(request), 0
        for endpoint in queryset:
            try:
                queued += webhook_dead_letters_replay(endpoint_id=endpoint.pk, actor=actor)
            except ApplicationError as error:
                self.message_user(request, f"{endpoint}: {error.message}", messages.WARNING)
        self.message_user(request, f"{queued} dead-lettered deliveries queued again.")


@admin.register(DiscordChannel)
class DiscordChannelAdmin(ModelAdmin):
    list_display = ["__str__", "tenant", "is_active", "created_at"]
    list_select_related = ["tenant"]
    list_filter = ["is_active", "subscribed"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(ModelAdmin):
    list_display = ["user", "channels", "quiet_hours_start", "quiet_hours_end", "time_zone"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]


class DeliveryInline(TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = ["channel", "key", "status", "attempts", "last_error", "response_status", "sent_at", "next_attempt_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(ModelAdmin):
    list_display = ["subject", "kind", "severity", "guild_id", "created_at"]
    list_filter = ["kind", "severity"]
    search_fields = ["key", "subject"]
    readonly_fields = ["key", "kind", "severity", "guild_id", "subject", "text", "html", "payload", "created_at"]
    inlines = [DeliveryInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
