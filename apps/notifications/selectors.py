"""Reads of the notification layer: a person's inbox and unread count, the delivery log."""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet

from apps.notifications.models import Delivery, InboxItem

logger = logging.getLogger(__name__)


def unread_cache_key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def inbox_items(*, user) -> QuerySet[InboxItem]:
    """The user's own inbox, newest first, with each notification (one query per page)."""
    return InboxItem.objects.filter(user=user).select_related("notification").order_by("-created_at", "-id")


def inbox_unread_count(*, user) -> int:
    return InboxItem.objects.filter(user=user, read_at=None).count()


def inbox_unread_badge(*, user) -> int | None:
    """The unread count the portal's badge shows: from the cache, which the writes of the inbox keep
    (services.inbox_unread_refresh); on a miss (a cold or flushed cache) one count query, stored for the next
    pages. None only when the cache cannot be reached (a badge is not worth a query on every page then)."""
    try:
        count = cache.get(unread_cache_key(user.pk))
    except Exception:  # noqa: BLE001 - a badge is not worth a failed page
        logger.warning("notifications: unread badge of user %s not read from the cache", user.pk)
        return None
    if count is None:
        count = inbox_unread_count(user=user)
        inbox_unread_store(counts={user.pk: count})
    return count


def inbox_unread_store(*, counts: dict[int, int]) -> None:
    try:
        cache.set_many(
            {unread_cache_key(user_id): count for user_id, count in counts.items()},
            timeout=settings.NOTIFICATIONS_BADGE_CACHE_SECONDS,
        )
    except Exception:  # noqa: BLE001 - the next write or inbox visit stores it again
        logger.warning("notifications: unread badges of %d user(s) not stored", len(counts))


def deliveries_of(*, notification_key: str) -> QuerySet[Delivery]:
    return Delivery.objects.filter(notification__key=notification_key).order_by("pk")
