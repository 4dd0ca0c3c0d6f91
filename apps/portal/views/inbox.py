"""The inbox at /portal/inbox/: a person's own notifications (apps/notifications), marked read one by one
or all at once. Access is every portal page's: a portal role and a verified second factor."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from apps.notifications.selectors import inbox_items, inbox_unread_count, inbox_unread_store
from apps.notifications.services import inbox_item_mark_read, inbox_mark_all_read
from apps.portal.access import portal_view
from apps.portal.shell import paginate, render_portal


@never_cache
@require_safe
@portal_view()
def inbox(request: HttpRequest) -> HttpResponse:
    unread = inbox_unread_count(user=request.user)
    inbox_unread_store(counts={request.user.pk: unread})  # the badge, right again whatever the cache lost
    context = {"page": paginate(request, inbox_items(user=request.user)), "inbox_unread": unread}
    return render_portal(request, "notifications/inbox.html", context)


@require_POST
@portal_view()
def inbox_item_read(request: HttpRequest, item_id: int) -> HttpResponse:
    if not inbox_item_mark_read(user=request.user, item_id=item_id):
        messages.info(request, _("That notification was already read, or is not in your inbox."))
    return redirect("notifications:inbox")


@require_POST
@portal_view()
def inbox_all_read(request: HttpRequest) -> HttpResponse:
    count = inbox_mark_all_read(user=request.user)
    messages.success(request, _("Marked %(count)s notification(s) read.") % {"count": count})
    return redirect("notifications:inbox")
