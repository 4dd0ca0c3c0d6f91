"""The admin's theme, django-unfold (issue 17, item 6): every admin on unfold's classes, the sidebar grouped
by domain and filtered by permission, the dashboard's figures, the favicon, the export buttons, dark mode."""

import re

import pytest
from django.contrib import admin
from django.contrib.staticfiles.finders import find
from django.urls import reverse
from unfold import admin as unfold_admin

from apps.accounts.choices import StaffRole
from apps.core.actors import Actor
from apps.core.admin.navigation import GROUPS, OTHER, group_of
from apps.incidents.services.incidents import incident_declare
from apps.security.models import DetectionRule
from apps.security.services import security_event_record
from apps.security.services.alerts import alert_raise

pytestmark = pytest.mark.django_db

SIDEBAR_GROUPS = [title for title, *_rest in GROUPS]


def test_every_model_admin_and_inline_is_unfolds():
    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, unfold_admin.ModelAdmin), model._meta.label
        for inline in model_admin.inlines:
            assert issubclass(inline, unfold_admin.TabularInline | unfold_admin.StackedInline), (model, inline)


def test_every_registered_model_has_a_sidebar_group():
    assert [model._meta.label for model in admin.site._registry if group_of(model._meta.label_lower) == OTHER] == []


def test_the_sidebar_groups_the_lists_by_domain_with_the_tools(superuser_client):
    body = superuser_client.get(reverse("admin:index")).content.decode()

    for title in [*SIDEBAR_GROUPS, "Tools"]:
        assert f">{title.replace('&', '&amp;')}<" in re.sub(r">\s+", ">", re.sub(r"\s+<", "<", body)), title
    for url in (reverse("admin:betting_bet_changelist"), reverse("admin:fraud_fraudcase_changelist")):
        assert f'href="{url}"' in body
    for url in (reverse("admin-cache-stats"), reverse("admin-privacy-data-map"), reverse("swagger-ui")):
        assert f'href="{url}"' in body


def test_the_sidebar_shows_only_the_lists_the_user_may_see(staff_user, staff_client):
    support = staff_user(StaffRole.SUPPORT, username="helpdesk")
    client = staff_client(support)

    body = client.get(reverse("admin:index")).content.decode()

    assert f'href="{reverse("admin:tenants_tenant_changelist")}"' in body
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403
    assert f'href="{reverse("admin:accounts_user_changelist")}"' not in body
    assert f'href="{reverse("admin:auth_group_changelist")}"' not in body
    if not support.has_perm("privacy.view_piifinding"):
        assert f'href="{reverse("admin-privacy-data-map")}"' not in body


def _figures(body: str) -> dict[str, str]:
    pattern = (
        r'id="figure-([a-z_]+)">\s*<a href="[^"]*"[^>]*>\s*<span[^>]*>[^<]*</span>\s*'
        r'<span class="dbsbm-figure__value">([^<]*)</span>'
    )
    return dict(re.findall(pattern, body))


def test_the_dashboard_shows_the_figures_staff_check_first(superuser_client):
    empty = _figures(superuser_client.get(reverse("admin:index")).content.decode())
    assert set(empty) == {
        "pending_bets",
        "fraud_cases",
        "security_alerts",
        "incidents",
        "subject_requests",
        "failing_checks",
        "outbox_backlog",
        "cache_hit_ratio",
    }
    assert empty["security_alerts"] == "0" and empty["incidents"] == "0" and empty["fraud_cases"] == "0"

    rule = DetectionRule.objects.get(slug="brute-force-per-user")
    for number in range(3):
        event = security_event_record(
            event_type="login_failed",
            actor=Actor(kind="system", identifier="anonymous", label=f"user{number}", ip_address=f"10.2.0.{number}"),
            details={"username": f"user{number}"},
        )
        alert_raise(rule=rule, group_key=f"user{number}", events=[event], details={"measure": 1})
    actor = Actor.system("test")
    for severity in ("critical", "high", "high"):
        incident_declare(actor=actor, title=f"A {severity} one", kind="account_takeover", severity=severity)

    body = superuser_client.get(reverse("admin:index")).content.decode()
    figures = _figures(body)
    assert figures["security_alerts"] == "3"
    assert figures["incidents"] == "3"
    assert "1 critical, 2 high, 0 medium, 0 low" in body
    assert 'id="figure-incidents"' in body and "Needs attention" in body  # words, not only a colour


def test_the_dashboard_costs_the_same_queries_with_more_rows(superuser_client, django_assert_max_num_queries):
    superuser_client.get(reverse("admin:index"))  # warm the session and the permission caches
    actor = Actor.system("test")
    with django_assert_max_num_queries(15) as few:
        superuser_client.get(reverse("admin:index"))
    for number in range(5):
        incident_declare(actor=actor, title=f"Incident {number}", kind="account_takeover", severity="low")
    with django_assert_max_num_queries(len(few)):
        superuser_client.get(reverse("admin:index"))


def test_a_figure_is_shown_only_to_who_may_open_its_list(staff_user, staff_client):
    support = staff_user(StaffRole.SUPPORT, username="helpdesk")

    figures = _figures(staff_client(support).get(reverse("admin:index")).content.decode())

    assert ("fraud_cases" in figures) == support.has_perm("fraud.view_fraudcase")
    assert ("incidents" in figures) == support.has_perm("incidents.view_incident")
    assert "cache_hit_ratio" in figures


def test_the_product_name_and_favicon_on_every_page(client, superuser_client):
    favicon = reverse("admin:index").replace("/admin/", "/static/core/favicon.svg")
    for body in (
        client.get(reverse("admin:login")).content.decode(),
        superuser_client.get(reverse("admin:index")).content.decode(),
        superuser_client.get(reverse("admin:betting_bet_changelist")).content.decode(),
    ):
        assert f'<link rel="icon" href="{favicon}" type="image/svg+xml"' in body
        assert "DBSBM" in body and "Django administration" not in body and "Django site admin" not in body
    assert find("core/favicon.svg")
    assert client.get(favicon).status_code == 200


def test_the_export_buttons_sit_in_the_list_header(superuser_client):
    body = superuser_client.get(reverse("admin:betting_bet_changelist"), {"status__exact": "pending"}).content.decode()

    links = re.findall(r'<a href="([^"]+)" class="export-link">([^<]+)</a>', body)
    assert [label for _url, label in links] == ["Export CSV", "Export XLSX"]
    assert all("status__exact=pending" in url for url, _label in links)


def test_dark_mode_can_be_switched_on_every_page(superuser_client):
    body = superuser_client.get(reverse("admin:index")).content.decode()

    for choice in ("light", "dark", "auto"):
        assert f"switchTheme('{choice}')" in body
