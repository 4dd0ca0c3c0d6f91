"""Reads routed to a real, distinct replica database (same PostgreSQL server, another database holding a row the
primary does not have): which rows come back shows where each read went, and when a write pins reads to the
primary (apps/core/replica.py)."""

import psycopg
import pytest
from django.db import connection, connections, router, transaction
from django.test import override_settings

from apps.betting.models import Sport
from apps.core.replica import read_alias, replica_reads


@pytest.fixture(scope="module")
def distinct_database(django_db_setup, django_db_blocker):
    """A real second database on the same server with the sports table and a row the primary does not have."""
    name = f"{connection.settings_dict['NAME']}_replica"
    server = {key: connection.settings_dict[key] for key in ("USER", "HOST", "PORT")}
    dsn = f"postgresql://{server['USER']}@{server['HOST']}:{server['PORT']}/postgres"
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    # marked a test mirror only so that the transactional tests' flush leaves it alone (it has one table)
    connections.settings["distinct"] = {
        **connections.settings["default"],
        "NAME": name,
        "OPTIONS": {},
        "TEST": {**connections.settings["default"]["TEST"], "MIRROR": "default"},
    }
    with django_db_blocker.unblock(), connections["distinct"].schema_editor() as editor:
        editor.create_model(Sport)
    try:
        yield "distinct"
    finally:
        connections["distinct"].close()
        del connections["distinct"]
        del connections.settings["distinct"]
        with psycopg.connect(dsn, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


@pytest.fixture
def distinct_replica(distinct_database):
    """The distinct database as the replica, holding a row of its own."""
    Sport.objects.using(distinct_database).get_or_create(key="replica-only", defaults={"name": "Only on the replica"})
    with override_settings(DATABASE_REPLICA_ALIAS=distinct_database):
        yield


@pytest.mark.django_db(transaction=True, databases=["default", "distinct"])
def test_reads_opted_in_go_to_the_replica_database_until_a_write_pins_them_to_the_primary(distinct_replica):
    Sport.objects.create(key="primary-only", name="Only on the primary")

    assert [sport.key for sport in Sport.objects.all()] == ["primary-only"]  # not opted in: the primary
    with replica_reads():
        assert [sport.key for sport in Sport.objects.all()] == ["replica-only"]
        assert read_alias(Sport) == "distinct"
        with transaction.atomic():  # a transaction reads its own writes: the primary
            assert [sport.key for sport in Sport.objects.all()] == ["primary-only"]
        assert [sport.key for sport in Sport.objects.all()] == ["replica-only"]
        Sport.objects.create(key="written-now", name="Written in this block")
        # pinned: the rest of the block reads the primary, which has the row it just wrote
        assert [sport.key for sport in Sport.objects.order_by("key")] == ["primary-only", "written-now"]
    with replica_reads():  # a new block (a new request) is not pinned
        assert [sport.key for sport in Sport.objects.all()] == ["replica-only"]


def test_nothing_is_migrated_on_the_replica_and_its_rows_relate_to_the_primarys(distinct_database):
    with override_settings(DATABASE_REPLICA_ALIAS=distinct_database):
        assert router.allow_migrate(distinct_database, "betting", model_name="sport") is False
        assert router.allow_migrate("default", "betting", model_name="sport") is True
        from_replica, from_primary = Sport(key="a"), Sport(key="b")
        from_replica._state.db, from_primary._state.db = distinct_database, "default"
        assert router.allow_relation(from_replica, from_primary) is True
