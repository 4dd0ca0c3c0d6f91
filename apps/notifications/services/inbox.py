"""The portal inbox: a person marks their own items read (nobody else's); the badge's counts follow."""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from apps.notifications.models import InboxItem
from apps.notifications.selectors import inbox_unread_store


def inbox_unread_refresh(*, user_ids: Iterable[int]) -> None:
    """After commit, store these people's unread counts for the portal's badge (read from the cache)."""
    ids = sorted(set(user_ids))

    def store() -> None:
        unread = InboxItem.objects.filter(user_id__in=ids, read_at=None).values("user_id").annotate(count=Count("id"))
        counts = {row["user_id"]: row["count"] for row in unread}
        inbox_unread_store(counts={user_id: counts.get(user_id, 0) for user_id in ids})

    if ids:
        transaction.on_commit(store)


@transaction.atomic
def inbox_item_mark_read(*, user, item_id: int) -> bool:
    """Mark one of the user's own unread items read; False when it is not theirs, missing or read already."""
    marked = bool(InboxItem.objects.filter(pk=item_id, user=user, read_at=None).update(read_at=timezone.now()))
    inbox_unread_refresh(user_ids=[user.pk])
    return marked


@transaction.atomic
def inbox_mark_all_read(*, user) -> int:
    """Mark every unread item of the user read; returns how many."""
    marked = InboxItem.objects.filter(user=user, read_at=None).update(read_at=timezone.now())
    inbox_unread_refresh(user_ids=[user.pk])
    return marked
