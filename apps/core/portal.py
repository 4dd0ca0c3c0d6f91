"""The navigation of the staff portal at /portal/, as a registry any app can add pages to.

The portal shell (apps/compliance/portal) renders this registry; an app that adds a page registers it
from its AppConfig.ready() without importing the portal:

    register_portal_page("Incidents", "Open incidents", "incidents:list", roles=["security_analyst"], order=10)

Roles are the values of apps.accounts.choices.StaffRole ("superuser", "compliance_officer",
"security_analyst", …); a superuser sees every page. Pages are listed by `order`, then title, and a
section comes where its first page in that listing does.
"""

from collections.abc import Iterable
from dataclasses import dataclass

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
