"""Every API list answers in a fixed number of queries, however many rows it shows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.choices import ApiScope
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/v1/plans/",
    "/api/v1/tenants/",
    "/api/v1/tenants/111111111111111111/",
    "/api/v1/tenants/111111111111111111/api-keys/",
    "/api/v1/audit-events/",
    "/api/v1/tenants/111111111111111111/audit-events/",
]
# the key with its tenant in one query, the path's tenant, the page (last_used_at is written at most
# once a minute, and the first call below takes that write out of the measurement)
BUDGET = 3


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return len(queries)


def _grow(tenant, make_key, rows: int) -> None:
    for _ in range(rows):
        TenantFactory()
        make_key(["bets:read"], tenant=tenant)  # a key of the tenant and an audit event of the tenant


@pytest.mark.parametrize("path", LISTS)
def test_a_list_costs_the_same_for_few_and_many_rows(tenant, make_key, client_with_key, path):
    _, secret = make_key(ApiScope.values)
    client = client_with_key(secret)
    _queries(client, path)
    _grow(tenant, make_key, 2)
    few = _queries(client, path)
    _grow(tenant, make_key, 40)

    many = _queries(client, path)

    assert many == few
    assert many <= BUDGET
