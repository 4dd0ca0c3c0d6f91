"""The portal inbox: a person marks their own items read (nobody else's)."""

from django.db import transaction
from django.utils import timezone

from apps.notifications.models import InboxItem


@transaction.atomic
def inbox_item_mark_read(*, user, item_id: int) -> bool:
    """Mark one of the user's own unread items read; False when it is not theirs, missing or read already."""
    return bool(InboxItem.objects.filter(pk=item_id, user=user, read_at=None).update(read_at=timezone.now()))


@transaction.atomic
def inbox_mark_all_read(*, user) -> int:
    """Mark every unread item of the user read; returns how many."""
    return InboxItem.objects.filter(user=user, read_at=None).update(read_at=timezone.now())
