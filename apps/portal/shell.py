"""Rendering a page inside the portal shell: navigation for the user's roles, the current page, paging."""

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from apps.accounts.choices import staff_role_label
from apps.core.portal import portal_navigation
from apps.portal.access import user_roles


def navigation(request: HttpRequest) -> list[dict]:
    """The sections and links the user may open; a registered page whose URL does not resolve is left out."""
    current = request.resolver_match.view_name if request.resolver_match else ""
    sections = []
    for section in portal_navigation(user_roles(request.user)):
        links = []
        for page in section.pages:
            try:
                url = reverse(page.url_name)
            except NoReverseMatch:
                continue
            links.append({"title": page.title, "url": url, "current": page.url_name == current})
        if links:
            sections.append({"title": section.title, "links": links})
    return sections


def render_portal(request: HttpRequest, template: str, context: dict | None = None, status: int = 200) -> HttpResponse:
    # role names as words ("Compliance officer"), never their slugs
    roles = sorted(staff_role_label(role) for role in user_roles(request.user))
    full = {"portal_nav": navigation(request), "portal_roles": roles, **(context or {})}
    return render(request, template, full, status=status)


def paginate(request: HttpRequest, rows) -> Page:
    """One page of `rows` (a queryset: one COUNT and one slice, whatever the table's size)."""
    return Paginator(rows, settings.PORTAL_PAGE_SIZE).get_page(request.GET.get("page"))
