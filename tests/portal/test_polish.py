"""Polish where users look first (issue #17, section 6): the landing page's entry points, the portal's unread
badge on a cold cache, dark mode with its switch, and American odds with their sign in templates."""

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.db import connection
from django.template import Context, Template
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.betting.odds import format_american
from apps.notifications.choices import EventKind
from apps.notifications.models import InboxItem
from apps.notifications.selectors import unread_cache_key
from apps.notifications.services import Recipients, inbox_item_mark_read, notification_send

pytestmark = pytest.mark.django_db


def test_the_landing_page_links_the_portal_the_admin_and_the_api_docs():
    response = Client().get("/")

    assert response.status_code == 200
    body = response.content.decode()
    for url_name, text in (
        ("portal:dashboard", "Compliance portal"),
        ("admin:index", "Staff administration"),
        ("swagger-ui", "API documentation"),
    ):
        assert f'<a class="entry" href="{reverse(url_name)}">{text}</a>' in body
    assert f'href="{reverse("schema")}"' in body
    assert "<script" not in body  # nothing for the Content-Security-Policy to refuse


@pytest.mark.parametrize(
    ("odds", "shown"), [(1387, "+1387"), (100, "+100"), (-110, "-110"), ("150", "+150"), (None, "–"), ("", "–")]
)
def test_american_odds_always_carry_their_sign(odds, shown):
    assert format_american(odds) == shown
    assert Template("{% load betting_odds %}{{ odds|american }}").render(Context({"odds": odds})) == shown


def _notify(user, number: int) -> None:
    notification_send(
        kind=EventKind.MEMORY_THRESHOLD,
        key=f"memory:{number}:high",
        context={"snapshot_id": number, "process": "web", "level": "high", "previous_level": "low", "rss_mib": 1},
        recipients=Recipients(user_ids=[user.pk]),
    )


def test_the_badge_counts_unread_items_even_when_the_cache_lost_the_count(officer, officer_client):
    for number in range(2):
        _notify(officer, number)
    first = InboxItem.objects.filter(user=officer).order_by("pk").first()
    assert inbox_item_mark_read(user=officer, item_id=first.pk)
    cache.delete(unread_cache_key(officer.pk))  # a cold or flushed cache

    with CaptureQueriesContext(connection) as cold:
        page = officer_client.get(reverse("portal:alerts")).content.decode()
    assert '<span class="badge" aria-label="1 unread">1</span>' in page
    assert cache.get(unread_cache_key(officer.pk)) == 1  # stored for the next pages

    with CaptureQueriesContext(connection) as warm:
        page = officer_client.get(reverse("portal:alerts")).content.decode()
    assert '<span class="badge" aria-label="1 unread">1</span>' in page
    badge_queries = [query["sql"] for query in cold.captured_queries if "notifications_inboxitem" in query["sql"]]
    assert len(badge_queries) == 1  # one count query on the miss
    assert not [query for query in warm.captured_queries if "notifications_inboxitem" in query["sql"]]


def test_no_badge_when_nothing_is_unread(officer_client):
    page = officer_client.get(reverse("portal:alerts")).content.decode()
    assert 'href="/portal/inbox/">Notifications</a>' in page
    assert 'class="badge"' not in page.split("</header>")[0]


def test_portal_pages_offer_the_theme_switch_from_a_static_script(officer_client):
    for path in (reverse("portal:dashboard"), reverse("portal:alerts"), reverse("portal:login")):
        response = officer_client.get(path) if path != reverse("portal:login") else Client().get(path)
        assert response.status_code == 200, path
        head, body = response.content.decode().split("</head>")
        assert f'<script src="{settings.STATIC_URL}portal/theme.js"></script>' in head, path
        assert "data-theme-switch hidden>Theme: auto</button>" in body, path
        assert "<script>" not in head + body  # no inline script: the CSP is script-src 'self'


def test_the_portal_stylesheet_has_a_dark_theme_for_the_system_preference_and_the_switch():
    css = Path(finders.find("portal/portal.css")).read_text(encoding="utf-8")
    script = Path(finders.find("portal/theme.js")).read_text(encoding="utf-8")

    assert "@media (prefers-color-scheme: dark)" in css
    assert ':root:not([data-theme="light"])' in css and ':root[data-theme="dark"]' in css
    dark = css.split(':root[data-theme="dark"] {')[1].split("}")[0]
    for variable in ("--ink", "--bg", "--card", "--line", "--accent", "--topbar"):
        assert f"{variable}:" in dark
    # the light theme's colours are variables, so the dark one reaches every surface
    assert "background: #fff;" not in css
    assert "localStorage.setItem(KEY, next)" in script and '"portal-theme"' in script
