"""Portal pages answer in a fixed number of queries, however many rows they list."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.notifications.selectors import inbox_unread_store
from tests.portal import data, incidents_data

pytestmark = pytest.mark.django_db

LISTS = {
    "portal:security_alerts": data.security_alerts,
    "portal:fraud_cases": data.fraud_cases,
    "portal:dsrs": data.data_subject_requests,
    "portal:alerts": data.compliance_alerts,
}
# session, user, groups (roles), OTP device, then the page itself (count + page + prefetches)
LIST_BUDGET = 12
DASHBOARD_BUDGET = 31  # eleven widgets, each a fixed number of queries (the key ring: one for every encrypted column;
# the history over the range: snapshots, failing runs, framework names; open incidents, security alerts and fraud
# cases: a count and the first rows each; the forecast: its row)


@pytest.fixture(autouse=True)
def _badge_cached(officer):
    """The officer's unread badge is in the cache, as after any inbox write or their first page: a cold cache
    costs one count query, once (tests/portal/test_polish.py), not a cost of the page's rows."""
    inbox_unread_store(counts={officer.pk: 0})


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(queries)


@pytest.mark.parametrize("url_name", sorted(LISTS))
def test_a_list_page_costs_the_same_for_few_and_many_rows(officer_client, url_name):
    make = LISTS[url_name]
    path = reverse(url_name)
    make(2, start=0)
    few = _queries(officer_client, path)
    make(12, start=100)

    many = _queries(officer_client, path)

    assert many == few
    assert many <= LIST_BUDGET


def test_the_dashboard_costs_the_same_for_few_and_many_rows(officer_client):
    path = reverse("portal:dashboard")
    data.security_alerts(1)
    data.compliance_alerts(1)
    data.data_subject_requests(1)
    data.fraud_cases(1)
    incidents_data.incidents(1)
    data.run_mfa_check()
    few = _queries(officer_client, path)
    data.security_alerts(10, start=100)
    data.compliance_alerts(10, start=100)
    data.data_subject_requests(10, start=100)
    data.fraud_cases(10, start=100)
    incidents_data.incidents(10)
    data.run_mfa_check()

    many = _queries(officer_client, path)

    assert many == few
    assert many <= DASHBOARD_BUDGET, many
