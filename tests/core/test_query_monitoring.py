"""Query monitoring: the per-request count header, slow statements aggregated by fingerprint."""

import pytest
from celery import shared_task
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.choices import ApiScope
from apps.core.models import SlowQuery
from apps.core.monitoring.queries import QueryMonitor, slow_queries_flush, sql_normalize

pytestmark = pytest.mark.django_db

HEADER = "X-DB-Queries"


@shared_task
def sleepy_task(seconds: float) -> None:
    """A task with one slow statement (registered for these tests only)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_sleep({seconds:.3f})")


def _header_count(response) -> int:
    count, timing = response[HEADER].split("; ")
    assert timing.startswith("time-ms=") and float(timing.removeprefix("time-ms=")) >= 0
    return int(count)


@pytest.mark.parametrize("path", ["/api/v1/plans/", "/api/v1/tenants/", "/api/v1/tenants/111111111111111111/"])
def test_the_header_counts_the_queries_of_the_request(
    settings, tenant, make_key, client_with_key, django_assert_num_queries, path
):
    settings.QUERY_COUNT_HEADER_ENABLED = True
    _, secret = make_key(ApiScope.values)
    client = client_with_key(secret)
    client.get(path)  # the key's once-a-minute last_used_at write is out of the way

    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    counted = _header_count(response)
    with django_assert_num_queries(counted):
        again = client.get(path)

    assert response.status_code == again.status_code == 200
    assert counted == len(captured) > 0
    assert _header_count(again) == counted


def test_no_header_unless_enabled(settings, api_client):
    settings.QUERY_COUNT_HEADER_ENABLED = False

    assert HEADER not in api_client.get("/healthz")


def test_slow_statements_with_different_literals_share_one_row(settings):
    settings.SLOW_QUERY_THRESHOLD_MS = 40
    for number, seconds in enumerate((0.05, 0.08)):  # two units of work (two requests, say), two literals
        with QueryMonitor() as recorder, connection.cursor() as cursor:
            cursor.execute(f"SELECT pg_sleep({seconds})")
            cursor.execute("SELECT 1")  # fast: not recorded
            # nothing is written while the wrapper is installed
            assert SlowQuery.objects.filter(count__gt=number).count() == 0
        slow_queries_flush(recorder=recorder, source="GET /test/")

    row = SlowQuery.objects.get()
    assert row.normalized_sql == "SELECT pg_sleep(?)"
    assert row.example_sql == "SELECT pg_sleep(0.05)"
    assert row.count == 2
    assert 130 <= row.total_ms < 1000
    assert 80 <= row.max_ms < row.total_ms
    assert row.first_seen_at <= row.last_seen_at
    assert row.last_source == "GET /test/"


def test_a_request_records_its_slow_statements_after_the_response(settings, make_key, client_with_key):
    settings.SLOW_QUERY_THRESHOLD_MS = 0  # every statement is "slow"
    settings.QUERY_COUNT_HEADER_ENABLED = True
    _, secret = make_key(ApiScope.values)

    response = client_with_key(secret).get("/api/v1/plans/")

    rows = list(SlowQuery.objects.all())
    assert sum(row.count for row in rows) == _header_count(response)
    assert {row.last_source for row in rows} == {"GET /api/v1/plans/"}
    # the upserts themselves ran after the wrapper was removed: none of them is in the table
    assert not any("core_slowquery" in row.normalized_sql for row in rows)


def test_a_task_records_its_slow_statements(settings):
    settings.SLOW_QUERY_THRESHOLD_MS = 40

    sleepy_task.delay(0.05)
    sleepy_task.delay(0.06)

    row = SlowQuery.objects.get()
    assert (row.normalized_sql, row.count) == ("SELECT pg_sleep(?)", 2)
    assert row.last_source == "task tests.core.test_query_monitoring.sleepy_task"


@pytest.mark.parametrize(
    ("sql", "normalized"),
    [
        ('SELECT "a"."id" FROM "a" WHERE "a"."id" IN (%s, %s, %s)', 'SELECT "a"."id" FROM "a" WHERE "a"."id" IN (...)'),
        ('SELECT "a"."id" FROM "a" WHERE "a"."id" IN (%s)', 'SELECT "a"."id" FROM "a" WHERE "a"."id" IN (...)'),
        ("SELECT * FROM t1 WHERE name = 'O''Brien' AND n > 42.5", "SELECT * FROM t1 WHERE name = ? AND n > ?"),
        ('INSERT INTO "t" ("a", "b") VALUES (%s, %s), (%s, %s)', 'INSERT INTO "t" ("a", "b") VALUES (...)'),
        ("SELECT  1  /* hint */ -- note\n FROM x LIMIT %(limit)s", "SELECT ? FROM x LIMIT ?"),
        ("SELECT COALESCE(%s, (%s)) FROM t", "SELECT COALESCE(?, (?)) FROM t"),
        ('INSERT INTO "t" ("a") VALUES (%s) RETURNING "id"', 'INSERT INTO "t" ("a") VALUES (...) RETURNING "id"'),
        ("SELECT $1, $2 FROM t2", "SELECT ?, ? FROM t2"),
    ],
)
def test_statements_are_normalized(sql, normalized):
    assert sql_normalize(sql) == normalized
