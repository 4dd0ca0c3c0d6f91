"""Every portal list that is empty says what creates its first item and links there (issue 17), and a list that
is empty only because of its filters says so and links to the unfiltered list."""

import pytest
from django.urls import reverse

from apps.accounts.choices import StaffRole
from tests.portal import data
from tests.second_factor import verified_client

pytestmark = pytest.mark.django_db

# (list, what its empty state says, where it links)
EMPTY_LISTS = [
    ("portal:security_alerts", "No security alerts yet.", "admin:security_detectionrule_changelist"),
    ("portal:dsrs", "No data-subject requests yet.", "portal:dsr_create"),
    ("portal:incidents", "No incidents here.", "portal:incident_declare"),
    ("portal:alerts", "No open compliance alerts.", "portal:frameworks"),
    ("portal:analytics_alerts", "No alert rules yet.", "portal:analytics_alert_create"),
    ("portal:analytics_insights", "No insight yet.", "portal:analytics_dashboards"),
    ("portal:ml_jobs", "No training job yet.", "portal:ml_models"),
    ("portal:ml_predictions", "No prediction logged.", "swagger-ui"),
    ("portal:ml_drift", "No drift check yet.", "portal:ml_models"),
    ("portal:ml_experiments", "No experiments yet.", "portal:ml_experiment_create"),
    ("portal:ml_bandits", "No bandits yet.", "portal:ml_bandit_create"),
    ("portal:integration_usage", "No API key made a request in this window.", "admin:accounts_apikey_changelist"),
]


@pytest.fixture
def root_client(portal_user):
    """A superuser passes every page's role check: one client for every list."""
    return verified_client(portal_user(StaffRole.SUPERUSER, username="root"))


@pytest.mark.parametrize(("url_name", "text", "link"), EMPTY_LISTS, ids=[row[0] for row in EMPTY_LISTS])
def test_an_empty_list_says_what_creates_its_first_item_and_links_there(root_client, url_name, text, link):
    response = root_client.get(reverse(url_name))

    assert response.status_code == 200
    page = response.content.decode().replace("&#x27;", "'")
    empty = page[page.index(text) :]
    assert f'href="{reverse(link)}' in empty[:600], empty[:600]


def test_an_empty_fraud_case_list_offers_to_run_a_scan_now(root_client):
    page = root_client.get(reverse("portal:fraud_cases")).content.decode()

    assert "No fraud cases yet." in page and 'href="#scan-now"' in page
    assert f'<form method="post" action="{reverse("portal:fraud_scan_now")}" id="scan-now">' in page


def test_a_scope_without_reports_links_to_the_definition_form(root_client):
    page = root_client.get(reverse("portal:analytics_reports_scope", kwargs={"scope": "platform"})).content.decode()

    assert "No report is defined for" in page and 'href="#define-report"' in page and 'id="define-report"' in page


def test_compliance_alerts_including_resolved_say_what_raises_them(root_client):
    page = root_client.get(reverse("portal:alerts"), {"all": "1"}).content.decode()

    assert "No compliance alerts yet." in page and f'href="{reverse("portal:frameworks")}"' in page


@pytest.mark.parametrize(
    ("url_name", "make", "text"),
    [
        ("portal:security_alerts", lambda: data.security_alerts(1), "No alert matches these filters."),
        ("portal:fraud_cases", lambda: data.fraud_cases(1), "No case matches these filters."),
        ("portal:dsrs", lambda: data.data_subject_requests(1), "No request matches these filters."),
    ],
)
def test_a_list_empty_only_because_of_its_filters_links_to_the_whole_list(root_client, url_name, make, text):
    make()

    page = root_client.get(reverse(url_name), {"assignee": "me"}).content.decode()

    assert text in page and f'href="{reverse(url_name)}"' in page
