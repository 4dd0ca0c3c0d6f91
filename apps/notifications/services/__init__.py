"""Every state change of the notification layer (sending, deliveries, the inbox, preferences)."""

from apps.notifications.services.delivery import (
    delivery_schedule,
    delivery_send,
    webhook_dead_letters_replay,
    webhook_delivery_replay,
)
from apps.notifications.services.inbox import inbox_item_mark_read, inbox_mark_all_read, inbox_unread_refresh
from apps.notifications.services.sending import Attachment, Recipients, notification_send, quiet_hours_end
from apps.notifications.services.targets import discord_target, webhook_secret_generate, webhook_target
from apps.notifications.services.webhook_events import (
    WebhookEvent,
    webhook_event_publish,
    webhook_events_publish,
    webhook_subscribers,
)

__all__ = [
    "Attachment",
    "Recipients",
    "delivery_schedule",
    "discord_target",
    "delivery_send",
    "inbox_item_mark_read",
    "inbox_mark_all_read",
    "inbox_unread_refresh",
    "notification_send",
    "quiet_hours_end",
    "webhook_dead_letters_replay",
    "webhook_delivery_replay",
    "WebhookEvent",
    "webhook_event_publish",
    "webhook_events_publish",
    "webhook_secret_generate",
    "webhook_subscribers",
    "webhook_target",
]
