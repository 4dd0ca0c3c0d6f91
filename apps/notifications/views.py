"""The portal inbox at /portal/inbox/: a person's own notifications, marked read one by one or all at once.

Access is the portal's: an active staff user holding a portal role, signed in with a verified second
factor (OTP); anyone else is sent to the portal's sign-in or refused. The notification layer sits below
the portal's app, so it checks roles and builds the navigation from the registry itself
(apps/core/portal.py) instead of importing the portal's shell.
"""

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.choices import StaffRole
from apps.core.portal import portal_navigation, register_portal_page
from apps.notifications.selectors import inbox_items, inbox_unread_count, inbox_unread_store
from apps.notifications.services import inbox_item_mark_read, inbox_mark_all_read

PORTAL_ROLES = (StaffRole.COMPLIANCE_OFFICER.value, StaffRole.SECURITY_ANALYST.value)
_ROLE_BY_GROUP = {StaffRole(role).label: role for role in PORTAL_ROLES}


def register_pages() -> None:
    """The inbox in the portal's navigation (every portal role has one)."""
    register_portal_page("Inbox", "Notifications", "notifications:inbox", roles=PORTAL_ROLES, order=5)


def _roles(user) -> set[str]:
    roles = {_ROLE_BY_GROUP[group.name] for group in user.groups.all() if group.name in _ROLE_BY_GROUP}
    return roles | ({StaffRole.SUPERUSER.value} if user.is_superuser else set())


def inbox_view(view: Callable) -> Callable:
    """Sign-in with a verified second factor and a portal role, as on every portal page."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user = request.user
        if not user.is_authenticated or not user.is_verified():
            return redirect(f"{reverse('portal:login')}?{urlencode({'next': request.get_full_path()})}")
        roles = _roles(user) if user.is_active and user.is_staff else set()
        if not roles:
            raise PermissionDenied("This account has no portal role.")
        request.portal_roles = roles
        return view(request, *args, **kwargs)

    return wrapped


def _navigation(request: HttpRequest) -> list[dict]:
    current = request.resolver_match.view_name if request.resolver_match else ""
    sections = []
    for section in portal_navigation(request.portal_roles):
        links = []
        for page in section.pages:
            try:
                links.append({"title": page.title, "url": reverse(page.url_name), "current": page.url_name == current})
            except NoReverseMatch:
                continue
        if links:
            sections.append({"title": section.title, "links": links})
    return sections


@require_GET
@inbox_view
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(inbox_items(user=request.user), settings.PORTAL_PAGE_SIZE).get_page(request.GET.get("page"))
    unread = inbox_unread_count(user=request.user)
    inbox_unread_store(counts={request.user.pk: unread})  # the badge, right again whatever the cache lost
    context = {
        "page": page,
        "inbox_unread": unread,
        "portal_nav": _navigation(request),
        "portal_roles": sorted(request.portal_roles),
    }
    return render(request, "notifications/inbox.html", context)


@require_POST
@inbox_view
def inbox_item_read(request: HttpRequest, item_id: int) -> HttpResponse:
    if not inbox_item_mark_read(user=request.user, item_id=item_id):
        messages.info(request, "That notification was already read, or is not in your inbox.")
    return redirect("notifications:inbox")


@require_POST
@inbox_view
def inbox_all_read(request: HttpRequest) -> HttpResponse:
    count = inbox_mark_all_read(user=request.user)
    messages.success(request, f"Marked {count} notification(s) read.")
    return redirect("notifications:inbox")
