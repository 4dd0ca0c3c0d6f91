"""Every state change of the notification layer (sending, deliveries, the inbox, preferences)."""

from apps.notifications.services.delivery import delivery_schedule, delivery_send
from apps.notifications.services.inbox import inbox_item_mark_read, inbox_mark_all_read, inbox_unread_refresh
from apps.notifications.services.sending import Recipients, notification_send, quiet_hours_end

__all__ = [
    "Recipients",
    "delivery_schedule",
    "delivery_send",
    "inbox_item_mark_read",
    "inbox_mark_all_read",
    "inbox_unread_refresh",
    "notification_send",
    "quiet_hours_end",
]
