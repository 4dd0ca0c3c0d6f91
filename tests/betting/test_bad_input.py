"""Bad input to the betting API: a 4xx in the one error shape, a message that says what to fix, nothing written.

The last test throws arbitrary JSON at POST .../bets/ and asserts it never answers 5xx.
"""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from apps.betting.services import game_record_result

pytestmark = pytest.mark.django_db

BETS = "/api/v1/tenants/111111111111111111/bets/"
JOE = "500000000000000001"


def leg(**overrides) -> dict:
    return {"game": "nba-1", "market": "moneyline", "selection": "home", "odds": -110, **overrides}


def body(**overrides) -> dict:
    return {"external_id": "777", "capper": JOE, "stake_units": "1.00", "legs": [leg()], **overrides}


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    payload = response.json()
    assert set(payload) == {"code", "message", "fields"}
    assert payload["code"] == code
    assert isinstance(payload["message"], str) and payload["message"]
    assert isinstance(payload["fields"], dict)
    return payload


@pytest.fixture
def games(make_game, actor):
    make_game("nba-1")
    make_game("nba-2", home="Lakers", away="Suns")
    make_game("nba-final", home="Heat", away="Magic")
    make_game("nba-cancelled", home="Bulls", away="Bucks")
    game_record_result(actor=actor, external_id="nba-final", home_score=1, away_score=0, status="final")
    game_record_result(actor=actor, external_id="nba-cancelled", home_score=0, away_score=0, status="cancelled")


@pytest.fixture
def ready(capper, games, betting_client, row_counts):
    """Everything in place; returns a function that asserts nothing was written since."""
    before = row_counts()

    def _unchanged() -> None:
        assert row_counts() == before

    return _unchanged


@pytest.mark.parametrize("odds", [-99, -50, -1, 0, 1, 50, 99])
def test_odds_between_minus_99_and_99_are_refused(ready, betting_client, odds):
    response = betting_client.post(BETS, body(legs=[leg(odds=odds)]), format="json")

    payload = assert_error(response, 400, "bet_rejected")
    assert payload["fields"] == {
        "legs": [f"leg 1: odds {odds} are not valid American odds: use +100 or more, or -100 or less"]
    }
    assert "use +100 or more, or -100 or less" in payload["message"]
    ready()


@pytest.mark.parametrize("stake", ["0.05", "0.09", "10.01", "500.00"])
def test_a_stake_outside_the_tenants_bounds_is_refused(ready, betting_client, stake):
    response = betting_client.post(BETS, body(stake_units=stake), format="json")

    payload = assert_error(response, 400, "bet_rejected")
    assert payload["fields"] == {"stake_units": ["Must be between 0.10 and 10.00 units for this tenant."]}
    ready()


def test_the_stake_bounds_are_the_tenants_own(tenant, ready, betting_client):
    tenant.unit_min, tenant.unit_max = "1.00", "3.00"
    tenant.save(update_fields=["unit_min", "unit_max"])

    response = betting_client.post(BETS, body(stake_units="0.50"), format="json")

    assert assert_error(response, 400, "bet_rejected")["fields"] == {
        "stake_units": ["Must be between 1.00 and 3.00 units for this tenant."]
    }
    ready()


@pytest.mark.parametrize(
    ("legs", "expected"),
    [
        (
            [leg(game="nope")],
            ["leg 1: unknown game 'nope': post it to /api/v1/games/ first, or send game null for a manual leg"],
        ),
        ([leg(), leg(selection="away")], ["A parlay's legs must be on distinct games."]),
        ([leg(market="spread", line=None)], ["leg 1: a spread needs a line"]),
        ([leg(market="total", selection="over")], ["leg 1: a total needs a line"]),
        ([leg(market="total", selection="over", line="0")], ["leg 1: a total's line must be positive"]),
        ([leg(line="1.5")], ["leg 1: a moneyline has no line"]),
        ([leg(selection="over")], ["leg 1: selection for a moneyline must be one of away, home"]),
        (
            [leg(market="total", selection="home", line="200")],
            ["leg 1: selection for a total must be one of over, under"],
        ),
        ([leg(game=None)], ["leg 1: a leg on no listed game needs a description naming the teams"]),
        ([leg(game="nba-cancelled")], ["leg 1: game nba-cancelled was cancelled"]),
        ([leg(game="nba-final")], ["leg 1: game nba-final is already final"]),
        (
            [leg(), leg(game="nba-2", odds=12)],
            ["leg 2: odds 12 are not valid American odds: use +100 or more, or -100 or less"],
        ),
    ],
    ids=[
        "unknown-game",
        "repeated-game",
        "spread-without-line",
        "total-without-line",
        "total-line-zero",
        "moneyline-with-line",
        "moneyline-over",
        "total-home",
        "manual-without-description",
        "cancelled-game",
        "final-game",
        "second-leg-odds",
    ],
)
def test_a_leg_the_bet_cannot_have_is_refused(ready, betting_client, legs, expected):
    response = betting_client.post(BETS, body(legs=legs), format="json")

    payload = assert_error(response, 400, "bet_rejected")
    assert payload["fields"] == {"legs": expected}
    assert payload["message"] == "The bet was not placed: " + "; ".join(expected)
    ready()


def test_every_problem_is_listed_at_once(ready, betting_client):
    response = betting_client.post(
        BETS, body(stake_units="20.00", legs=[leg(odds=50), leg(game="nope", market="spread")]), format="json"
    )

    payload = assert_error(response, 400, "bet_rejected")
    assert payload["fields"] == {
        "stake_units": ["Must be between 0.10 and 10.00 units for this tenant."],
        "legs": [
            "leg 1: odds 50 are not valid American odds: use +100 or more, or -100 or less",
            "leg 2: a spread needs a line",
            "leg 2: unknown game 'nope': post it to /api/v1/games/ first, or send game null for a manual leg",
        ],
    }
    ready()


def test_thirteen_legs_are_refused(ready, betting_client):
    legs = [leg(game=None, description=f"Manual game {n}") for n in range(13)]

    response = betting_client.post(BETS, body(legs=legs), format="json")

    payload = assert_error(response, 400, "invalid")
    assert payload["fields"] == {"legs": ["non_field_errors: Ensure this field has no more than 12 elements."]}
    ready()


def test_no_legs_are_refused(ready, betting_client):
    payload = assert_error(betting_client.post(BETS, body(legs=[]), format="json"), 400, "invalid")

    assert payload["fields"] == {"legs": ["non_field_errors: Ensure this field has at least 1 elements."]}
    ready()


def test_placed_at_in_the_future_is_refused(ready, betting_client):
    later = (timezone.now() + timedelta(minutes=5)).isoformat()

    response = betting_client.post(BETS, body(placed_at=later), format="json")

    payload = assert_error(response, 400, "bet_rejected")
    assert payload["fields"] == {
        "placed_at": ["Must not be later than the time the server received the bet (2 minutes of clock skew allowed)."]
    }
    ready()


def test_an_unknown_capper_is_refused(ready, betting_client):
    capper = "599999999999999999"
    response = betting_client.post(BETS, body(capper=capper), format="json")

    payload = assert_error(response, 404, "capper_not_found")
    assert payload["message"] == f"No capper with Discord user id {capper} in this tenant."
    ready()


def test_a_capper_that_is_not_a_discord_id_is_invalid_input(ready, betting_client):
    response = betting_client.post(BETS, body(capper="1"), format="json")

    payload = assert_error(response, 400, "invalid")
    assert payload["fields"] == {"capper": ["Must be a Discord id: 17 to 20 digits, as a string."]}
    ready()


def test_an_inactive_capper_is_refused(capper, ready, betting_client):
    capper.is_active = False
    capper.save(update_fields=["is_active"])

    response = betting_client.post(BETS, body(), format="json")

    payload = assert_error(response, 400, "bet_rejected")
    assert payload["fields"] == {"capper": ["Not an active capper."]}
    ready()


@pytest.fixture
def stranger(make_capper, other_tenant):
    return make_capper("500000000000000099", "elsewhere", tenant=other_tenant)


def test_a_capper_of_another_tenant_is_unknown_here(stranger, ready, betting_client):
    response = betting_client.post(BETS, body(capper="500000000000000099"), format="json")

    assert_error(response, 404, "capper_not_found")
    ready()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"external_id": 777}, "external_id"),
        ({"external_id": "has space"}, "external_id"),
        ({"external_id": "x" * 33}, "external_id"),
        ({"capper": 500000000000000001}, "capper"),
        ({"capper": "joe"}, "capper"),
        ({"stake_units": "lots"}, "stake_units"),
        ({"stake_units": "0"}, "stake_units"),
        ({"stake_units": "-1.00"}, "stake_units"),
        ({"stake_units": "1.001"}, "stake_units"),
        ({"stake_units": "1e400"}, "stake_units"),
        ({"stake_units": ["1.00"]}, "stake_units"),
        ({"placed_at": "yesterday"}, "placed_at"),
        ({"placed_at": 1764460800}, "placed_at"),
        ({"legs": {"0": leg()}}, "legs"),
        ({"legs": "moneyline"}, "legs"),
        ({"legs": [leg(odds="-110")]}, "legs"),
        ({"legs": [leg(odds=-110.0)]}, "legs"),
        ({"legs": [leg(odds=True)]}, "legs"),
        ({"legs": [leg(odds=10**30)]}, "legs"),
        ({"legs": [leg(market="teaser")]}, "legs"),
        ({"legs": [leg(selection=1)]}, "legs"),
        ({"legs": [leg(game=1)]}, "legs"),
        ({"legs": [leg(market="spread", line=True)]}, "legs"),
        ({"legs": [leg(market="spread", line="99999")]}, "legs"),
        ({"legs": [leg(market="spread", line="1.555")]}, "legs"),
        ({"legs": [leg(description="\x00")]}, "legs"),
        ({"legs": [leg(colour="red")]}, "legs"),
        ({"legs": [None]}, "legs"),
        ({"surprise": True}, "surprise"),
    ],
)
def test_a_wrongly_typed_field_is_refused(ready, betting_client, overrides, field):
    response = betting_client.post(BETS, body(**overrides), format="json")

    payload = assert_error(response, 400, "invalid")
    assert set(payload["fields"]) == {field}
    ready()


@pytest.mark.parametrize("raw", ["[]", '"bet"', "null", "7", '{"external_id": ', "{'a': 1}"])
def test_a_body_that_is_not_a_bet_object_is_refused(ready, betting_client, raw):
    response = betting_client.generic("POST", BETS, raw, content_type="application/json")

    assert response.status_code == 400
    assert set(response.json()) == {"code", "message", "fields"}
    ready()


@pytest.mark.parametrize(
    ("legs", "expected"),
    [
        ([{"id": "LEG", "result": "maybe"}], {"legs": ['0: result: "maybe" is not a valid choice.']}),
        ([{"id": "LEG", "result": "pending"}], {"legs": ['0: result: "pending" is not a valid choice.']}),
        ([{"id": "LEG", "result": None}], {"legs": ["0: result: This field may not be null."]}),
        (
            [{"id": "1", "result": "won"}],
            {"legs": ["0: id: Must be a whole number (a JSON integer, not a string)."]},
        ),
    ],
)
def test_a_leg_result_that_is_not_a_result_is_refused(capper, betting_client, row_counts, legs, expected):
    placed = betting_client.post(BETS, body(legs=[leg(game=None, description="A v B")]), format="json").json()
    legs = [{**item, "id": placed["legs"][0]["id"]} if item["id"] == "LEG" else item for item in legs]
    before = row_counts()

    response = betting_client.post(f"{BETS}{placed['id']}/settle/", {"legs": legs}, format="json")

    payload = assert_error(response, 400, "invalid")
    assert payload["fields"] == expected
    assert row_counts() == before


@pytest.mark.parametrize("result", ["maybe", "pending", "", 1, None])
def test_a_straight_result_that_is_not_a_result_is_refused(capper, betting_client, row_counts, result):
    placed = betting_client.post(BETS, body(legs=[leg(game=None, description="A v B")]), format="json").json()
    before = row_counts()

    response = betting_client.post(f"{BETS}{placed['id']}/settle/", {"result": result}, format="json")

    payload = assert_error(response, 400, "invalid")
    assert set(payload["fields"]) == {"result"}
    assert row_counts() == before


def test_combined_odds_beyond_what_the_ledger_records_are_refused(ready, betting_client):
    legs = [leg(game=None, description=f"Long shot {n}", odds=1_000_000) for n in range(4)]

    response = betting_client.post(BETS, body(legs=legs), format="json")

    payload = assert_error(response, 400, "bet_rejected")
    assert list(payload["fields"]) == ["legs"]
    assert "combined odds" in payload["message"]
    ready()


# ---- never a 500 ---------------------------------------------------------------------------------


@pytest.fixture
def unlimited(tenant, settings):
    """No plan quota or rate limit in the way: every payload reaches validation."""
    settings.RATELIMIT_ENABLED = False
    tenant.plan_code = "enterprise"
    tenant.save(update_fields=["plan_code"])
    return tenant


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.text(max_size=30),
    st.sampled_from(["", "0", "-110", "1e9", "NaN", "2026-11-29T12:00:00Z", "9999-12-31T23:59:59Z", "\x00"]),
)
WILD = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)


def _either(plausible):
    return st.one_of(plausible, plausible, WILD)


LEGS = st.fixed_dictionaries(
    {
        "market": _either(st.sampled_from(["moneyline", "spread", "total", "prop"])),
        "selection": _either(st.sampled_from(["home", "away", "over", "under", "Tatum 30+"])),
        "odds": _either(st.integers(min_value=-1_000_001, max_value=1_000_001)),
    },
    optional={
        "game": _either(st.sampled_from([None, "nba-1", "nba-2", "nba-final", "nba-cancelled", "unknown"])),
        "line": _either(st.one_of(st.none(), st.decimals(places=2, allow_nan=False, allow_infinity=False).map(str))),
        "description": _either(st.text(max_size=40)),
    },
)
PAYLOADS = st.one_of(
    st.fixed_dictionaries(
        {
            "external_id": _either(st.from_regex(r"[0-9]{1,20}", fullmatch=True)),
            "capper": _either(st.sampled_from([JOE, "599999999999999999", "0", ""])),
            "stake_units": _either(st.decimals(min_value=-5, max_value=2000, places=2).map(str)),
            "legs": _either(st.lists(LEGS, min_size=0, max_size=13)),
        },
        optional={
            "placed_at": _either(
                st.datetimes(timezones=st.just(timezone.get_current_timezone())).map(lambda value: value.isoformat())
            ),
            "extra": WILD,
        },
    ),
    WILD,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(payload=PAYLOADS)
@example(payload=body(legs=[leg(game=None, description="x", odds=1_000_000)] * 4))
@example(payload=body(legs=[leg(description="\ud800")]))
@example(payload=body(legs=[leg(game="\ud800")]))
@example(payload=body(external_id="\ud800"))
@example(payload=body(stake_units="1e400"))
@example(payload=body(placed_at="0001-01-01T00:00:00+14:00"))
def test_no_bet_payload_is_answered_with_a_500(unlimited, capper, games, betting_client, row_counts, payload):
    before = row_counts()

    response = betting_client.generic("POST", BETS, json.dumps(payload), content_type="application/json")

    assert response.status_code < 500, (payload, response.content)
    if response.status_code in (200, 201):
        assert set(response.json()) >= {"id", "external_id", "legs"}
    else:
        assert 400 <= response.status_code < 500
        assert set(response.json()) == {"code", "message", "fields"}
        assert response.json()["message"]
        assert row_counts() == before
