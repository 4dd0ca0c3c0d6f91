"""The data map admin page: every declared personal field with its class, category, purpose, encryption."""

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.choices import StaffRole
from apps.core.personal_data import ENCRYPTED_CLASSES, personal_fields
from apps.privacy.selectors.classification import data_map
from tests.second_factor import verified_client

pytestmark = pytest.mark.django_db

URL = "/admin/privacy/data-map/"


def _client(user) -> Client:
    return verified_client(user)


def test_the_map_lists_every_declared_field_once():
    rows = data_map()
    assert len(rows) == len(personal_fields())
    assert len({(row.model_label, row.field_name) for row in rows}) == len(rows)
    email = next(row for row in rows if (row.model_label, row.field_name) == ("accounts.Member", "email"))
    assert (email.data_class, email.category, email.is_encrypted, email.kind) == (
        "restricted",
        "contact",
        True,
        "member_profile",
    )
    display = next(row for row in rows if (row.model_label, row.field_name) == ("betting.Capper", "display_name"))
    assert (display.data_class, display.is_encrypted, display.must_be_encrypted) == ("public", False, False)


def test_the_map_shows_the_retention_policies_over_each_model():
    rows = {(row.model_label, row.field_name): row for row in data_map()}
    assert rows[("security.SecurityEvent", "ip_address")].retention.startswith("security_events: ")
    assert rows[("betting.Capper", "display_name")].retention == ""  # no retention kind names cappers
    assert rows[("security.SecurityEvent", "ip_address")].kind == "security_events"


def test_the_map_narrows_to_one_class():
    rows = data_map(data_class="restricted")
    assert rows and {row.data_class for row in rows} == {"restricted"}
    assert all(row.must_be_encrypted for row in rows)
    assert {row.data_class for row in data_map()} >= {str(value) for value in ENCRYPTED_CLASSES}


def test_the_page_renders_for_a_compliance_officer(staff_user, django_assert_max_num_queries):
    client = _client(staff_user(StaffRole.COMPLIANCE_OFFICER, username="officer"))
    with django_assert_max_num_queries(9):  # 8, and the session's TOTP device (the admin's second factor)
        response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["rows"] == data_map()
    assert "<td>accounts.Member</td>" in html and "<td>date_of_birth</td>" in html
    assert "Highly restricted" in html and "audit_trail" in html
    filtered = client.get(URL, {"class": "highly_restricted"})
    assert {row.data_class for row in filtered.context["rows"]} == {"highly_restricted"}
    assert client.get(URL, {"class": "bogus"}).context["chosen"] is None  # unknown class: the whole map


def test_staff_without_the_permission_is_refused(staff_user):
    response = _client(staff_user(StaffRole.OPS, username="ops")).get(URL)
    assert response.status_code == 403


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_privacy_admin_index_links_to_the_map(staff_user):
    response = _client(staff_user(StaffRole.SUPERUSER, username="root")).get(
        reverse("admin:app_list", args=["privacy"])
    )
    assert response.status_code == 200
    assert f'href="{URL}"' in response.content.decode()
