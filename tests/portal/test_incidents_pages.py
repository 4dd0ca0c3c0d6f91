"""The incident pages (list, board, incident, live fragment, declare, review, metrics): who may open them
(anonymous -> sign-in, password-only session -> the second-factor step, other roles -> 403, analysts and
officers allowed), what they show, and queries bounded whatever the number of incidents."""

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.choices import StaffRole
from tests.portal import incidents_data
from tests.second_factor import verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def rows():
    return {"full": incidents_data.full_incident(), "closed": incidents_data.closed_with_review()}


def _pages(rows) -> list[str]:
    full, closed = rows["full"].pk, rows["closed"].pk
    return [
        reverse("portal:incidents"),
        reverse("portal:incidents") + "?status=new&severity=high&kind=credential_stuffing",
        reverse("portal:incident_board"),
        reverse("portal:incident_board") + "?severity=high",
        reverse("portal:incident_metrics"),
        reverse("portal:incident", kwargs={"incident_id": full}),
        reverse("portal:incident_live", kwargs={"incident_id": full}),
        reverse("portal:incident", kwargs={"incident_id": closed}),
        reverse("portal:incident_review", kwargs={"incident_id": closed}),
        reverse("portal:incident_review_export", kwargs={"incident_id": closed, "fmt": "json"}),
        reverse("portal:incident_review_export", kwargs={"incident_id": closed, "fmt": "pdf"}),
    ]


def test_analysts_and_officers_open_every_incident_page(analyst_client, officer_client, rows):
    for client in (analyst_client, officer_client):
        for path in _pages(rows):
            response = client.get(path)
            assert response.status_code == 200, path
    assert analyst_client.get(reverse("portal:incident_declare")).status_code == 200
    assert officer_client.get(reverse("portal:incident_declare")).status_code == 403  # officers read, analysts declare


def test_anonymous_and_password_only_sessions_go_to_the_sign_in_and_other_roles_get_403(staff_user, portal_user, rows):
    password_only = Client()
    password_only.force_login(portal_user(StaffRole.SECURITY_ANALYST, username="pw-only"))
    others = [verified_client(staff_user(role, username=f"x-{role}")) for role in (StaffRole.OPS, StaffRole.SUPPORT)]
    for path in [*_pages(rows), reverse("portal:incident_declare")]:
        for client in (Client(), password_only):
            response = client.get(path)
            assert response.status_code == 302, path
            assert response["Location"].startswith(reverse("portal:login")), path
        for client in others:
            assert client.get(path).status_code == 403, path


def test_the_navigation_lists_the_incident_pages_by_role(analyst_client, officer_client):
    analyst_nav = analyst_client.get(reverse("portal:dashboard")).content.decode()
    officer_nav = officer_client.get(reverse("portal:dashboard")).content.decode()
    for page in ("portal:incidents", "portal:incident_board", "portal:incident_metrics"):
        assert reverse(page) in analyst_nav and reverse(page) in officer_nav
    assert reverse("portal:incident_declare") in analyst_nav
    assert reverse("portal:incident_declare") not in officer_nav


def test_the_incident_page_shows_state_playbook_evidence_clocks_and_notifications(analyst_client, officer_client, rows):
    incident = rows["full"]
    page = analyst_client.get(reverse("portal:incident", kwargs={"incident_id": incident.pk})).content.decode()
    assert incident.title in page and "Not acknowledged" in page and "Escalation level" in page
    assert ">Acknowledge</button>" in page and "Move to" in page  # analysts act
    assert "Block the address" in page and ">Undo</button>" in page  # the succeeded step can be undone
    assert "Tell the users" in page and ">Done</button>" in page  # the waiting manual task
    assert "Login log" in page and incident.evidence.get().sha256 in page and "Chain of custody (1)" in page
    assert "GDPR Art. 33" in page and "data-countdown" in page
    assert "oncall@example.com" in page and "incident_opened" not in page  # the delivery's target, not internals
    assert f'data-ws-path="/ws/portal/incidents/{incident.pk}/"' in page
    assert "portal/incidents.js" in page and "<script>" not in page  # no inline script (CSP)

    officer_page = officer_client.get(reverse("portal:incident", kwargs={"incident_id": incident.pk})).content.decode()
    assert ">Acknowledge</button>" not in officer_page and ">Undo</button>" not in officer_page  # officers read
    assert "Record notification" in officer_page and ">Download</button>" in officer_page  # clocks, evidence
    assert "Record notification" not in page  # analysts do not handle the clocks


def test_the_list_filters_and_pages_and_the_board_has_a_column_per_status(analyst_client, settings):
    settings.PORTAL_PAGE_SIZE = 10
    incidents_data.incidents(30)
    incidents_data.incident(99, title="The one critical", severity="critical", kind="data_breach")
    listing = analyst_client.get(reverse("portal:incidents") + "?severity=critical&kind=data_breach").content.decode()
    assert "The one critical" in listing and "Incident 3<" not in listing
    assert "Page 1 of 4" in analyst_client.get(reverse("portal:incidents")).content.decode()
    ignored = analyst_client.get(reverse("portal:incidents") + "?status=bogus&severity=%00")
    assert ignored.status_code == 200  # unknown filter values are ignored, not a 500

    board = analyst_client.get(reverse("portal:incident_board")).content.decode()
    for status in ("new", "triaged", "contained", "eradicated", "recovered", "reopened", "closed"):
        assert f'data-status="{status}"' in board
    assert "The one critical" in board


def test_a_missing_incident_or_review_is_404(analyst_client, rows):
    assert analyst_client.get(reverse("portal:incident", kwargs={"incident_id": 10**9})).status_code == 404
    no_review = reverse("portal:incident_review", kwargs={"incident_id": rows["full"].pk})
    assert analyst_client.get(no_review).status_code == 404
    bad_format = reverse("portal:incident_review_export", kwargs={"incident_id": rows["closed"].pk, "fmt": "xml"})
    assert analyst_client.get(bad_format).status_code == 404


def test_the_metrics_page_draws_plotly_charts_from_the_metrics(officer_client, rows):
    page = officer_client.get(reverse("portal:incident_metrics")).content.decode()
    assert "vendor/plotly.min.js" in page and 'data-figure="fig-levels"' in page
    assert 'id="fig-levels" type="application/json"' in page
    assert officer_client.get(reverse("portal:incident_metrics") + "?days=nonsense").status_code == 200


@pytest.mark.parametrize("page", ["portal:incidents", "portal:incident_board"])
def test_list_and_board_queries_do_not_grow_with_the_number_of_incidents(
    analyst_client, page, django_assert_max_num_queries
):
    incidents_data.incidents(5)
    analyst_client.get(reverse(page))  # warm the session and permission caches like a browsing user
    with django_assert_max_num_queries(12) as few:
        assert analyst_client.get(reverse(page)).status_code == 200
    incidents_data.incidents(300)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert analyst_client.get(reverse(page)).status_code == 200


def test_the_incident_page_queries_do_not_grow_with_its_rows(analyst_client, django_assert_max_num_queries):
    incident = incidents_data.full_incident()
    path = reverse("portal:incident", kwargs={"incident_id": incident.pk})
    analyst_client.get(path)
    with django_assert_max_num_queries(30) as few:
        analyst_client.get(path)
    for number in range(20):
        incident.timeline.create(occurred_at=incident.detected_at, kind="note", actor_label="a", message=f"n{number}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert analyst_client.get(path).status_code == 200
