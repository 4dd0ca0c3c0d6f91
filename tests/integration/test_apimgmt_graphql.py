"""The read-only GraphQL endpoint: the REST API's keys, scopes and tenant isolation, and its limits (depth,
cost, page size), each refusal in GraphQL's error format or the API's error shape, never a 500."""

import json

import pytest

from tests.integration.apimgmt_helpers import place_bets

pytestmark = pytest.mark.django_db

URL = "/api/v1/graphql/"
BETS_QUERY = """{
  bets(first: 10) {
    externalId status stakeUnits
    capper { displayName discordUserId }
    legs { position market selection odds }
  }
}"""


def _post(client, query: str, *, guild_id: str = "", variables=None):
    url = f"{URL}?guild_id={guild_id}" if guild_id else URL
    body = {"query": query, **({"variables": variables} if variables is not None else {})}
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def world(tenant, other_tenant, actor, make_key, client_with_key):
    place_bets(tenant=tenant, actor=actor, discord_user_id="500000000000000011", username="joe", count=3, prefix="h")
    place_bets(
        tenant=other_tenant, actor=actor, discord_user_id="500000000000000012", username="ann", count=2, prefix="o"
    )
    clients = {}
    for name, scopes, key_tenant in (
        ("own", ["bets:read"], tenant),
        ("own_without_scope", ["tenants:read"], tenant),
        ("platform", ["bets:read"], None),
    ):
        _, secret = make_key(scopes, tenant=key_tenant, name=name)
        clients[name] = client_with_key(secret)
    clients["none"] = client_with_key(None)
    return clients


def test_a_tenant_key_reads_only_its_own_bets_with_their_legs(world, tenant):
    response = _post(world["own"], BETS_QUERY)

    assert response.status_code == 200, response.content
    bets = response.json()["data"]["bets"]
    assert sorted(bet["externalId"] for bet in bets) == ["h-0", "h-1", "h-2"]
    assert {bet["capper"]["discordUserId"] for bet in bets} == {"500000000000000011"}
    assert all(len(bet["legs"]) == 1 and bet["legs"][0]["market"] == "prop" for bet in bets)
    assert "errors" not in response.json()


def test_cappers_and_the_leaderboard_are_the_tenants(world, tenant):
    query = """{
      cappers { displayName discordUserId bets(first: 2) { externalId } }
      leaderboard(period: "lifetime") { rank }
    }"""
    data = _post(world["own"], query).json()["data"]
    assert [capper["discordUserId"] for capper in data["cappers"]] == ["500000000000000011"]
    assert len(data["cappers"][0]["bets"]) == 2
    assert data["leaderboard"] == []  # nothing settled yet: the ledger is empty


@pytest.mark.parametrize(
    ("client_name", "guild", "status", "code"),
    [
        ("none", "home", 401, "not_authenticated"),
        ("own_without_scope", "", 403, "permission_denied"),
        ("own", "other", 404, "tenant_not_found"),  # another tenant's guild looks like one that does not exist
        ("platform", "", 400, "tenant_required"),  # a platform key must name the tenant
    ],
)
def test_refusals_have_the_rest_apis_statuses_and_shape(world, tenant, other_tenant, client_name, guild, status, code):
    guild_id = {"home": tenant.guild_id, "other": other_tenant.guild_id, "": ""}[guild]
    response = _post(world[client_name], BETS_QUERY, guild_id=guild_id)
    assert response.status_code == status
    assert response.json()["code"] == code


def test_a_platform_key_reads_the_tenant_it_names(world, other_tenant):
    bets = _post(world["platform"], BETS_QUERY, guild_id=other_tenant.guild_id).json()["data"]["bets"]
    assert sorted(bet["externalId"] for bet in bets) == ["o-0", "o-1"]


def test_a_bet_of_another_tenant_is_null_by_id(world, other_tenant):
    other_bet_id = _post(world["platform"], "{ bets { id } }", guild_id=other_tenant.guild_id).json()["data"]["bets"][
        0
    ]["id"]
    response = _post(
        world["own"], "query One($id: ID!) { bet(id: $id) { externalId } }", variables={"id": other_bet_id}
    )
    assert response.status_code == 200 and response.json()["data"] == {"bet": None}


def _errors(response) -> list[dict]:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["data"] is None and body["errors"]
    return body["errors"]


def test_an_unknown_field_is_a_graphql_error(world):
    (error,) = _errors(_post(world["own"], "{ bets { externalId password } }"))
    assert "Cannot query field 'password' on type 'Bet'" in error["message"]


def test_an_over_deep_query_is_refused_before_it_runs(world):
    page = "(first: 1)"
    levels = ["cappers", "bets", "capper", "bets", "capper", "bets", "capper"]  # 7 levels, one object each
    deep = "".join(f"{{ {name}{page if name != 'capper' else ''} " for name in levels) + "{ displayName }" + " }" * 7

    (error,) = _errors(_post(world["own"], deep))  # cheap (one object per level), but 7 levels deep
    assert error["message"] == "'anonymous' exceeds maximum operation depth of 6"


def test_a_query_too_costly_is_refused_with_its_estimate(world):
    costly = "{ cappers(first: 100) { bets(first: 100) { externalId legs { odds } } } }"
    (error,) = _errors(_post(world["own"], costly))
    assert error["extensions"]["code"] == "query_too_costly"
    assert error["extensions"]["cost"] > error["extensions"]["limit"] == 5000


def test_a_page_past_the_limit_is_a_graphql_error_naming_it(world):
    (error,) = _errors(_post(world["own"], "{ bets(first: 101) { externalId } }"))
    assert (error["message"], error["path"]) == ("'first' must be between 0 and 100.", ["bets"])


def test_a_mutation_or_a_broken_body_is_refused_in_graphql_format(world, client_with_key):
    (error,) = _errors(_post(world["own"], "mutation { placeBet }"))
    assert "mutation" in error["message"].lower()
    assert _errors(world["own"].post(URL, json.dumps({"query": ""}), content_type="application/json"))
    assert _errors(_post(world["own"], "{ bets {"))  # a syntax error


def test_there_is_no_graphiql_page(world):
    assert world["own"].get(URL).status_code == 405
