"""Reads of the notification layer: a person's inbox and unread count, the delivery log."""

from django.db.models import QuerySet

from apps.notifications.models import Delivery, InboxItem


def inbox_items(*, user) -> QuerySet[InboxItem]:
    """The user's own inbox, newest first, with each notification (one query per page)."""
    return InboxItem.objects.filter(user=user).select_related("notification").order_by("-created_at", "-id")


def inbox_unread_count(*, user) -> int:
    if user is None or not user.is_authenticated:
        return 0
    return InboxItem.objects.filter(user=user, read_at=None).count()


def deliveries_of(*, notification_key: str) -> QuerySet[Delivery]:
    return Delivery.objects.filter(notification__key=notification_key).order_by("pk")
