"""HTTP caching of the metric query API: ETags from the versions of the data under an answer, 304s and cached
bodies without the analytics queries, and a new ETag after every change to that data. Transactional tests:
the cache stores nothing computed inside a transaction that bumped it (apps/core/cache/manager.py)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.analytics.invalidation import analytics_changed
from apps.betting.choices import LegResult
from apps.betting.services import bet_place, bet_settle
from apps.betting.services.bets import LegInput
from apps.core.actors import Actor
from apps.privacy.services.requests import request_receive
from tests.analytics.world import build_world
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db(transaction=True)

QUERY = "metrics=bets_placed,units_net,roi&group_by=league"


@pytest.fixture
def world(tenant, actor):
    return build_world(tenant=tenant, actor=actor)


@pytest.fixture
def home_client(tenant, make_key, client_with_key):
    _, secret = make_key(["bets:read"], tenant=tenant)
    return client_with_key(secret)


@pytest.fixture
def platform_client(make_key, client_with_key):
    _, secret = make_key(["analytics:read"])
    return client_with_key(secret)


def _home(tenant, query: str = QUERY) -> str:
    return f"/api/v1/tenants/{tenant.guild_id}/analytics/query/?{query}&grain=none"


def _platform(query: str = QUERY) -> str:
    return f"/api/v1/analytics/query/?{query}&grain=none"


def _analytics_sql(client, path: str, **headers):
    """The response and the statements that read bets, the ledger or the other apps' rows."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, **headers)
    reads = [query["sql"] for query in queries if "betting_" in query["sql"] or "privacy_" in query["sql"]]
    return response, reads


def _bets_placed(response) -> int:
    return sum(row[1] for row in response.json()["rows"])


def test_an_etag_answers_304_and_a_repeat_or_a_respelling_is_served_from_the_cached_body(world, tenant, home_client):
    day = world.day.date().isoformat()
    path = _home(tenant, f"{QUERY}&filter_league=nba,nhl&from={day}&to={day}")
    first = home_client.get(path)
    assert first.status_code == 200
    # origin: the CORS answer depends on the tenant's allowed origins; Accept-Language: error messages are translated
    assert (first["Cache-Control"], first["Vary"]) == (
        "private, no-cache", "Authorization, Accept, Accept-Language, origin"
    )  # fmt: skip

    revalidated, revalidated_sql = _analytics_sql(home_client, path, HTTP_IF_NONE_MATCH=first["ETag"])
    repeated, repeated_sql = _analytics_sql(home_client, path)
    respelled, respelled_sql = _analytics_sql(
        home_client,
        f"/api/v1/tenants/{tenant.guild_id}/analytics/query/?to={day}&grain=none&filter_league=nhl&filter_league=nba"
        f"&group_by=league&from={day}&metrics=bets_placed,units_net,roi",
    )
    other = home_client.get(_home(tenant, f"{QUERY}&filter_league=nba&from={day}&to={day}"))

    assert (revalidated.status_code, revalidated["ETag"], revalidated.content) == (304, first["ETag"], b"")
    assert (repeated.status_code, repeated.json(), repeated["ETag"]) == (200, first.json(), first["ETag"])
    assert (respelled.status_code, respelled.json(), respelled["ETag"]) == (200, first.json(), first["ETag"])
    assert revalidated_sql == repeated_sql == respelled_sql == []
    assert other.status_code == 200 and other["ETag"] != first["ETag"]
    assert _bets_placed(first) == 5 and _bets_placed(other) == 3  # the manual prop has no league


def test_bets_move_the_etags_of_their_tenant_and_of_the_platform_only(
    world, tenant, other_tenant, actor, home_client, platform_client
):
    home, platform = home_client.get(_home(tenant)), platform_client.get(_platform())

    build_world(tenant=other_tenant, actor=actor, suffix="2")
    unmoved = home_client.get(_home(tenant), HTTP_IF_NONE_MATCH=home["ETag"])
    moved = platform_client.get(_platform(), HTTP_IF_NONE_MATCH=platform["ETag"])
    bet_place(
        tenant=tenant,
        actor=actor,
        external_id="api-cache-1",
        capper=world.joe,
        stake_units=Decimal("1.00"),
        legs=[LegInput("prop", "LeBron over 25.5 points", 110, description="LeBron")],
    )
    placed = home_client.get(_home(tenant), HTTP_IF_NONE_MATCH=home["ETag"])
    pending_prop = world.bets[4]  # the manual prop leg, still pending (tests/analytics/world.py)
    bet_settle(bet=pending_prop, actor=actor, result=LegResult.WON, reason="graded by hand")
    settled = home_client.get(_home(tenant), HTTP_IF_NONE_MATCH=placed["ETag"])

    assert unmoved.status_code == 304
    assert moved.status_code == 200 and (_bets_placed(platform), _bets_placed(moved)) == (6, 12)
    assert placed.status_code == 200 and (_bets_placed(home), _bets_placed(placed)) == (6, 7)
    assert settled.status_code == 200 and settled["ETag"] not in (home["ETag"], placed["ETag"])
    unlisted = next(row for row in settled.json()["rows"] if row[0] is None)
    assert unlisted[2] == pytest.approx(1.1)  # the prop's 1.10 units won; the new bet is pending


def test_other_inputs_move_the_etags_of_their_tenant_and_of_the_platform(
    tenant, other_tenant, make_key, client_with_key, home_client, platform_client
):
    """A data-subject request (the receivers of the other apps' signals), and a rollup refresh reported through
    analytics_changed."""
    _, other_secret = make_key(["bets:read"], tenant=other_tenant)
    other_client = client_with_key(other_secret)
    requests, platform = home_client.get(_home(tenant, "metrics=dsr_open")), platform_client.get(_platform())
    other = other_client.get(_home(other_tenant))

    request_receive(actor=Actor.system("test"), member=MemberFactory(tenant=tenant), kind="access")
    moved_requests = home_client.get(_home(tenant, "metrics=dsr_open"), HTTP_IF_NONE_MATCH=requests["ETag"])
    moved_platform = platform_client.get(_platform(), HTTP_IF_NONE_MATCH=platform["ETag"])
    unmoved_other = other_client.get(_home(other_tenant), HTTP_IF_NONE_MATCH=other["ETag"])
    analytics_changed(tenant_ids=[other_tenant.pk])
    refreshed_other = other_client.get(_home(other_tenant), HTTP_IF_NONE_MATCH=other["ETag"])
    unmoved_requests = home_client.get(_home(tenant, "metrics=dsr_open"), HTTP_IF_NONE_MATCH=moved_requests["ETag"])

    assert (moved_requests.status_code, requests.json()["rows"], moved_requests.json()["rows"]) == (200, [[0]], [[1]])
    assert moved_platform.status_code == 200
    assert unmoved_other.status_code == 304
    assert refreshed_other.status_code == 200
    assert unmoved_requests.status_code == 304
