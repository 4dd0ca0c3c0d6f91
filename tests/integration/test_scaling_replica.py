"""The optional read replica (apps/core/replica.py, settings DATABASE_REPLICA_URL), through the whole stack.

The test settings' "replica" alias is a second real connection to the test database (Django's TEST MIRROR);
the queries each connection ran show where a read went (a distinct replica database with different rows:
test_scaling_replica_database.py). Transactional tests: a replica connection sees only what was committed.
"""

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from apps.betting.models import Sport
from apps.core.replica import read_alias, replica_reads
from tests.betting.helpers import BETTING_SCOPES

CAPPERS = "/api/v1/tenants/111111111111111111/cappers/"


def _tables(queries: list[dict]) -> set[str]:
    return {table for query in queries for table in ("betting_capper", "accounts_apikey") if table in query["sql"]}


@pytest.fixture
def replica_on(settings):
    settings.DATABASE_REPLICA_ALIAS = "replica"


@pytest.mark.django_db(databases=["default", "replica"])
def test_without_the_setting_every_read_goes_to_the_primary(tenant, make_key, client_with_key):
    _, secret = make_key(BETTING_SCOPES, tenant=tenant)
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        response = client_with_key(secret).get(CAPPERS)
        with replica_reads():
            assert list(Sport.objects.all()) == []
            assert read_alias() == "default"

    assert response.status_code == 200
    assert on_replica.captured_queries == []


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_a_list_reads_the_replica_and_a_client_that_just_wrote_reads_the_primary(
    replica_on, tenant, make_key, client_with_key
):
    _, writer_secret = make_key(BETTING_SCOPES, tenant=tenant, name="the bot")
    _, reader_secret = make_key(BETTING_SCOPES, tenant=tenant, name="a dashboard")
    writer, reader = client_with_key(writer_secret), client_with_key(reader_secret)

    with CaptureQueriesContext(connections["replica"]) as on_replica:
        assert writer.get(CAPPERS).json()["results"] == []
    # the key is checked on the primary; the list itself is read from the replica
    assert _tables(on_replica.captured_queries) == {"betting_capper"}

    created = writer.post(CAPPERS, {"discord_user_id": "500000000000000001", "username": "joe"}, format="json")
    assert created.status_code == 201
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        listed = writer.get(CAPPERS).json()["results"]
    assert [capper["username"] for capper in listed] == ["joe"]  # read your writes: this client is pinned
    assert on_replica.captured_queries == []

    with CaptureQueriesContext(connections["replica"]) as on_replica:
        assert [capper["username"] for capper in reader.get(CAPPERS).json()["results"]] == ["joe"]
    assert _tables(on_replica.captured_queries) == {"betting_capper"}  # another client: the replica
