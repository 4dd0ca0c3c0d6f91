"""The portal's unread badge: how many inbox items the signed-in staff user has not read."""

from django.http import HttpRequest

from apps.notifications.selectors import inbox_unread_count


def inbox_badge(request: HttpRequest) -> dict:
    """`inbox_unread` for templates; only on portal pages (one COUNT), nowhere else."""
    user = getattr(request, "user", None)
    if not request.path.startswith("/portal/") or user is None or not user.is_authenticated or not user.is_staff:
        return {}
    return {"inbox_unread": inbox_unread_count(user=user)}
