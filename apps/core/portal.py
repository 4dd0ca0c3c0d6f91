"""What each app contributes to the staff portal at /portal/: navigation pages, dashboard widgets (and the
signals that refresh them live), the permissions its portal actions need: a registry any app adds to
without importing the portal.

The portal (apps/portal, the top layer) imports every installed app's `portal.py` when it starts
(`autodiscover_modules("portal")`, like the admin's `admin.py`) and renders what they registered:

    register_portal_page("Incidents", "Open incidents", "incidents:list", roles=["security_analyst"], order=10)
    register_portal_widget("incidents", "Open incidents", "portal/widgets/incidents.html", build, order=70)
    register_portal_permission("incidents.incident_close", "incidents.change_incident")
    register_portal_refresh(incident_changed, "incident", ["incidents"])

Roles are the values of apps.accounts.choices.StaffRole ("superuser", "compliance_officer",
"security_analyst", …); a superuser sees every page. Pages are listed by `order`, then title, and a
section comes where its first page in that listing does.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.dispatch import Signal

SUPERUSER = "superuser"


@dataclass(frozen=True, slots=True)
class PortalPage:
    section: str
    title: str
    url_name: str
    roles: frozenset[str]
    order: int = 100

    def visible_to(self, roles: Iterable[str]) -> bool:
        roles = set(roles)
        return SUPERUSER in roles or bool(self.roles & roles)


@dataclass(frozen=True, slots=True)
class PortalSection:
    title: str
    pages: tuple[PortalPage, ...]


_pages: dict[str, PortalPage] = {}


def register_portal_page(section: str, title: str, url_name: str, roles: Iterable[str], order: int = 100) -> PortalPage:
    """Add a page to the portal's navigation (idempotent per url_name: a repeat replaces the entry)."""
    if not section or not title or not url_name:
        raise ValueError("A portal page needs a section, a title and a URL name.")
    page = PortalPage(
        section=section, title=title, url_name=url_name, roles=frozenset(str(r) for r in roles), order=order
    )
    _pages[url_name] = page
    return page


def unregister_portal_page(url_name: str) -> None:
    _pages.pop(url_name, None)


def portal_pages() -> list[PortalPage]:
    return sorted(_pages.values(), key=lambda page: (page.order, page.title))


def portal_navigation(roles: Iterable[str]) -> list[PortalSection]:
    """The sections and pages a user holding `roles` may open, in display order."""
    roles = set(roles)
    sections: dict[str, list[PortalPage]] = {}
    for page in portal_pages():
        if page.visible_to(roles):
            sections.setdefault(page.section, []).append(page)
    return [PortalSection(title=title, pages=tuple(pages)) for title, pages in sections.items()]


@dataclass(frozen=True, slots=True)
class PortalWidget:
    """A dashboard widget: `build()` returns its template's context in a fixed number of queries. A widget that
    shows a period (`takes_range`) is built as `build(start=date, end=date)`, the days the dashboard's time-range
    picker chose (both included)."""

    name: str
    title: str
    template: str
    build: Callable[..., dict]
    order: int = 100
    takes_range: bool = False


_widgets: dict[str, PortalWidget] = {}


def register_portal_widget(
    name: str, title: str, template: str, build: Callable[..., dict], order: int = 100, takes_range: bool = False
) -> PortalWidget:
    """Add a widget to the portal's dashboard (idempotent per name: a repeat replaces the entry)."""
    if not name or not title or not template:
        raise ValueError("A portal widget needs a name, a title and a template.")
    widget = PortalWidget(name=name, title=title, template=template, build=build, order=order, takes_range=takes_range)
    _widgets[name] = widget
    return widget


def unregister_portal_widget(name: str) -> None:
    _widgets.pop(name, None)


def portal_widgets() -> dict[str, PortalWidget]:
    """The dashboard's widgets by name, in display order (`order`, then name)."""
    return {widget.name: widget for widget in sorted(_widgets.values(), key=lambda w: (w.order, w.name))}


_permissions: dict[str, str] = {}


def register_portal_permission(action: str, permission: str) -> None:
    """Name the Django permission (`app_label.codename`) a portal action needs, e.g.
    "security.alert_triage" -> "security.change_alert": the app that owns the data decides."""
    if "." not in action or "." not in permission:
        raise ValueError("A portal permission maps 'app.action' to 'app_label.codename'.")
    _permissions[action] = permission


def portal_permission(action: str) -> str:
    """The permission registered for `action` (a KeyError for an unregistered one: a typo fails loudly)."""
    return _permissions[action]


def portal_user_may(user, action: str) -> bool:
    """The user holds the permission the owning app registered for this portal action."""
    return user.has_perm(portal_permission(action))


@dataclass(frozen=True, slots=True)
class PortalRefresh:
    """After `signal` (sent inside its change's transaction), the open dashboards refetch `widgets`."""

    signal: Signal
    reason: str
    widgets: tuple[str, ...]


_refreshes: dict[str, PortalRefresh] = {}


def register_portal_refresh(signal: Signal, reason: str, widgets: Iterable[str]) -> PortalRefresh:
    """Name the dashboard widgets a domain signal may change (idempotent per reason)."""
    if not reason or not widgets:
        raise ValueError("A portal refresh needs a reason and the widgets it refreshes.")
    refresh = PortalRefresh(signal=signal, reason=reason, widgets=tuple(widgets))
    _refreshes[reason] = refresh
    return refresh


def portal_refreshes() -> list[PortalRefresh]:
    return list(_refreshes.values())
