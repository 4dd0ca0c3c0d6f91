"""The portal's unread badge: how many inbox items the signed-in staff user has not read."""

from django.http import HttpRequest

from apps.notifications.selectors import inbox_unread_badge


def inbox_badge(request: HttpRequest) -> dict:
    """`inbox_unread` for templates, on portal pages only; read from the cache (one count query on a
    miss, then cached), once a request."""
    user = getattr(request, "user", None)
    if not request.path.startswith("/portal/") or user is None or not user.is_authenticated or not user.is_staff:
        return {}
    if not hasattr(request, "_inbox_unread"):
        request._inbox_unread = inbox_unread_badge(user=user)
    return {"inbox_unread": request._inbox_unread}
