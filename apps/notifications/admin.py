"""Notification settings (webhook endpoints, Discord channels, preferences) and the read-only delivery log."""

from django.contrib import admin
from django.db import models

from apps.notifications.models import Delivery, DiscordChannel, Notification, NotificationPreference, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["name", "tenant", "url", "subscribed", "is_active", "created_at"]
    list_select_related = ["tenant"]
    list_filter = ["is_active", "subscribed"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(DiscordChannel)
class DiscordChannelAdmin(admin.ModelAdmin):
    list_display = ["__str__", "tenant", "is_active", "created_at"]
    list_select_related = ["tenant"]
    list_filter = ["is_active", "subscribed"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "channels", "quiet_hours_start", "quiet_hours_end", "time_zone"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = ["channel", "key", "status", "attempts", "last_error", "response_status", "sent_at", "next_attempt_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["subject", "kind", "severity", "guild_id", "created_at"]
    list_filter = ["kind", "severity"]
    search_fields = ["key", "subject"]
    readonly_fields = ["key", "kind", "severity", "guild_id", "subject", "text", "html", "payload", "created_at"]
    inlines = [DeliveryInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
