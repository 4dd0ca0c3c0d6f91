"""The betting REST API exactly as issue 3 writes it: shapes, idempotency, isolation and query budgets."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.betting.models import Bet, Game, LedgerEntry
from apps.betting.services import bet_settle, game_upsert
from tests.betting.helpers import BETTING_SCOPES

pytestmark = pytest.mark.django_db

HOME = "/api/v1/tenants/111111111111111111/"
OTHER = "/api/v1/tenants/222222222222222222/"
BETS = HOME + "bets/"
CAPPERS = HOME + "cappers/"
JOE = "500000000000000001"
ANN = "500000000000000002"
GAMES = "/api/v1/games/"


def bet_body(external_id: str, legs: list[dict], *, stake: str = "1.00", capper: str = JOE, **extra) -> dict:
    return {"external_id": external_id, "capper": capper, "stake_units": stake, "legs": legs, **extra}


def moneyline(game: str | None = None, selection: str = "home", odds: int = -110) -> dict:
    leg = {"game": game, "market": "moneyline", "selection": selection, "odds": odds}
    return leg if game else {**leg, "description": "Manual: Chiefs @ Bills"}


def post_bet(client, external_id: str, legs: list[dict], **kwargs) -> dict:
    response = client.post(BETS, bet_body(external_id, legs, **kwargs), format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def results_of(response) -> list[dict]:
    assert response.status_code == 200, response.json()
    return response.json()["results"]


# ---- cappers and records -------------------------------------------------------------------------


def test_a_capper_is_created_and_listed(tenant, betting_client):
    created = betting_client.post(
        CAPPERS,
        {"discord_user_id": ANN, "username": "ann", "display_name": "Ann the Sharp", "avatar_url": ""},
        format="json",
    )

    assert created.status_code == 201, created.json()
    body = created.json()
    assert body == {
        "discord_user_id": ANN,
        "username": "ann",
        "display_name": "Ann the Sharp",
        "avatar_url": "",
        "is_active": True,
        "created_at": body["created_at"],
    }
    listed = results_of(betting_client.get(CAPPERS))
    assert listed == [body]
    assert AuditEvent.objects.filter(action="betting.capper_created", guild_id=tenant.guild_id).count() == 1


def test_creating_the_same_capper_twice_is_a_conflict(capper, betting_client):
    response = betting_client.post(CAPPERS, {"discord_user_id": JOE, "username": "joe"}, format="json")

    assert response.status_code == 409
    assert response.json() == {
        "code": "capper_exists",
        "message": f"Discord user {JOE} is already a capper here.",
        "fields": {},
    }


@pytest.fixture
def settled_history(capper, place_bet, actor):
    """Joe's bets: won +1.5 (Oct 31 2026), lost −2 (Nov 1 2026), won +1 (Mar 2025), all UTC."""
    history = [
        ("h1", 150, "1.00", "won", datetime(2026, 10, 31, 23, 30, tzinfo=UTC)),
        ("h2", -110, "2.00", "lost", datetime(2026, 11, 1, 0, 30, tzinfo=UTC)),
        ("h3", 100, "1.00", "won", datetime(2025, 3, 1, 12, 0, tzinfo=UTC)),
    ]
    for external_id, odds, stake, result, placed_at in history:
        bet = place_bet(external_id, [moneyline(odds=odds)], stake=stake, placed_at=placed_at)
        bet_settle(bet=bet, actor=actor, leg_results={bet.legs.get().pk: result})


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("2026-11", {"won": 0, "lost": 1, "staked_units": "2.0000", "net_units": "-2.0000", "roi": "-1.0000"}),
        ("2026-10", {"won": 1, "lost": 0, "staked_units": "1.0000", "net_units": "1.5000", "roi": "1.5000"}),
        ("2026", {"won": 1, "lost": 1, "staked_units": "3.0000", "net_units": "-0.5000", "roi": "-0.1667"}),
        ("2025", {"won": 1, "lost": 0, "staked_units": "1.0000", "net_units": "1.0000", "roi": "1.0000"}),
        ("lifetime", {"won": 2, "lost": 1, "staked_units": "4.0000", "net_units": "0.5000", "roi": "0.1250"}),
        ("2024-02", {"won": 0, "lost": 0, "staked_units": "0.0000", "net_units": "0.0000", "roi": None}),
    ],
)
def test_a_capper_ledger_for_a_period(settled_history, betting_client, period, expected):
    response = betting_client.get(f"{CAPPERS}{JOE}/ledger/", {"period": period})

    assert response.status_code == 200, response.json()
    assert response.json() == {"period": period, "push": 0, "void": 0, **expected}


def test_a_capper_ledger_defaults_to_the_current_month(settled_history, betting_client):
    response = betting_client.get(f"{CAPPERS}{JOE}/ledger/")

    assert response.json()["period"] == timezone.now().strftime("%Y-%m")  # the tenant is on UTC


@pytest.mark.parametrize("period", ["2026-13", "26-11", "november", "2026-1", "3000", "lifetime "])
def test_a_bad_period_is_a_400(capper, betting_client, period):
    response = betting_client.get(f"{CAPPERS}{JOE}/ledger/", {"period": period})

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_period",
        "message": f"Unknown period {period!r}: use a month like 2026-11, a year like 2026, or lifetime.",
        "fields": {"period": ["Use YYYY-MM, YYYY or lifetime."]},
    }


def test_the_ledger_of_an_unknown_capper_is_a_404(tenant, betting_client):
    response = betting_client.get(f"{CAPPERS}599999999999999999/ledger/?period=lifetime")

    assert response.status_code == 404
    assert response.json()["code"] == "capper_not_found"


def test_the_leaderboard(settled_history, make_capper, place_bet, actor, betting_client):
    ann = make_capper(ANN, "ann")
    bet = place_bet(
        "ann-1", [moneyline(odds=300)], stake="1.00", capper=ann, placed_at=datetime(2026, 11, 2, tzinfo=UTC)
    )
    bet_settle(bet=bet, actor=actor, leg_results={bet.legs.get().pk: "won"})

    november = betting_client.get(HOME + "leaderboard/", {"period": "2026-11"})
    lifetime = betting_client.get(HOME + "leaderboard/?period=lifetime")
    bad = betting_client.get(HOME + "leaderboard/?period=soon")

    assert november.status_code == 200
    assert november.json() == [
        {
            "rank": 1,
            "discord_user_id": ANN,
            "display_name": "ann",
            "won": 1,
            "lost": 0,
            "push": 0,
            "void": 0,
            "staked_units": "1.0000",
            "net_units": "3.0000",
            "roi": "3.0000",
        },
        {
            "rank": 2,
            "discord_user_id": JOE,
            "display_name": "joe",
            "won": 0,
            "lost": 1,
            "push": 0,
            "void": 0,
            "staked_units": "2.0000",
            "net_units": "-2.0000",
            "roi": "-1.0000",
        },
    ]
    assert [(row["discord_user_id"], row["net_units"]) for row in lifetime.json()] == [
        (ANN, "3.0000"),
        (JOE, "0.5000"),
    ]
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_period")


# ---- bets ----------------------------------------------------------------------------------------


def test_posting_a_bet_returns_it_with_computed_odds(capper, make_game, betting_client, tenant):
    make_game("nba-1")
    make_game("nba-2", home="Lakers", away="Suns")
    placed_at = "2026-11-29T18:00:00Z"
    # a Discord message id of that minute: placed_at may not be later than the time inside the id
    message_id = str((int(datetime(2026, 11, 29, 18, 0, 1, tzinfo=UTC).timestamp() * 1000) - 1_420_070_400_000) << 22)

    received_from = timezone.now()
    response = betting_client.post(
        BETS,
        bet_body(
            message_id,
            [
                {"game": "nba-1", "market": "spread", "selection": "away", "line": "+4.5", "odds": -110},
                {
                    "game": "nba-2",
                    "market": "total",
                    "selection": "under",
                    "line": "221",
                    "odds": 105,
                    "description": "low pace",
                },
            ],
            stake="2.50",
            placed_at=placed_at,
        ),
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    bet = Bet.objects.get()
    assert received_from <= datetime.fromisoformat(body["received_at"]) <= timezone.now()
    assert body == {
        "id": bet.pk,
        "external_id": message_id,
        "capper": JOE,
        "stake_units": "2.50",
        "status": "pending",
        "leg_count": 2,
        "american_odds": 291,  # decimal 21/11 × 2.05 = 3.913636… → +291.36… → +291
        "decimal_odds": "3.913636",
        "potential_profit": "7.2841",
        "net_units": None,
        "placed_at": placed_at,
        "received_at": body["received_at"],
        "settled_at": None,
        "settlement_source": "",
        "settled_by": "",
        "needs_review": False,
        "review_note": "",
        "legs": [
            {
                "id": body["legs"][0]["id"],
                "position": 1,
                "game": "nba-1",
                "manual_teams": "",
                "market": "spread",
                "selection": "away",
                "line": "4.50",
                "odds": -110,
                "description": "",
                "result": "pending",
                "graded_at": None,
                "graded_source": "",
            },
            {
                "id": body["legs"][1]["id"],
                "position": 2,
                "game": "nba-2",
                "manual_teams": "",
                "market": "total",
                "selection": "under",
                "line": "221.00",
                "odds": 105,
                "description": "low pace",
                "result": "pending",
                "graded_at": None,
                "graded_source": "",
            },
        ],
    }
    assert AuditEvent.objects.filter(action="betting.bet_placed", target_id=str(bet.pk)).count() == 1


def test_posting_the_same_bet_again_returns_the_first_with_200(capper, betting_client, row_counts):
    body = bet_body("1100000000000000002", [moneyline()])
    first = betting_client.post(BETS, body, format="json")
    after_first = row_counts()

    again = betting_client.post(BETS, {**body, "stake_units": "5.00"}, format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert row_counts() == after_first


def test_placed_at_defaults_to_the_receive_time(capper, betting_client):
    before = timezone.now()

    body = post_bet(betting_client, "bot-message-3", [moneyline()])  # not a Discord id: no time inside

    assert before <= datetime.fromisoformat(body["placed_at"]) <= timezone.now()
    assert body["placed_at"] == body["received_at"]


@pytest.fixture
def filter_bets(tenant, capper, make_capper, make_game, actor, betting_client):
    """Five bets: by capper, league, status and placement time, keyed by a name."""
    make_capper(ANN, "ann")
    make_game("nba-f")
    game_upsert(
        actor=actor,
        external_id="nfl-f",
        sport="football",
        league="NFL",
        home_team="Bills",
        away_team="Chiefs",
        starts_at=timezone.now() - timedelta(hours=1),
    )
    day = datetime(2026, 11, 20, 12, tzinfo=UTC)
    bets = {
        "joe_nba_open": post_bet(betting_client, "f1", [moneyline("nba-f")], placed_at=day.isoformat()),
        "joe_nfl_won": post_bet(
            betting_client, "f2", [moneyline("nfl-f")], placed_at=(day + timedelta(days=1)).isoformat()
        ),
        "ann_nba_nfl": post_bet(
            betting_client,
            "f3",
            [moneyline("nba-f", "away"), moneyline("nfl-f", "away")],
            capper=ANN,
            placed_at=(day + timedelta(days=2)).isoformat(),
        ),
        "ann_manual_void": post_bet(
            betting_client, "f4", [moneyline()], capper=ANN, placed_at=(day + timedelta(days=3)).isoformat()
        ),
        "joe_manual_lost": post_bet(
            betting_client, "f5", [moneyline()], placed_at=(day - timedelta(days=30)).isoformat()
        ),
    }
    betting_client.post(f"{BETS}{bets['joe_nfl_won']['id']}/settle/", {"result": "won"}, format="json")
    betting_client.post(f"{BETS}{bets['ann_manual_void']['id']}/void/", {"reason": "dup"}, format="json")
    betting_client.post(f"{BETS}{bets['joe_manual_lost']['id']}/settle/", {"result": "lost"}, format="json")
    return {name: bet["id"] for name, bet in bets.items()}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["ann_manual_void", "ann_nba_nfl", "joe_manual_lost", "joe_nba_open", "joe_nfl_won"]),
        ({"status": "pending"}, ["ann_nba_nfl", "joe_nba_open"]),
        ({"status": "won"}, ["joe_nfl_won"]),
        ({"status": "void"}, ["ann_manual_void"]),
        ({"capper": JOE}, ["joe_manual_lost", "joe_nba_open", "joe_nfl_won"]),
        ({"capper": ANN, "status": "pending"}, ["ann_nba_nfl"]),
        ({"league": "nba"}, ["ann_nba_nfl", "joe_nba_open"]),
        ({"league": "NFL"}, ["ann_nba_nfl", "joe_nfl_won"]),
        ({"league": "mlb"}, []),
        ({"placed_after": "2026-11-21T12:00:00Z"}, ["ann_manual_void", "ann_nba_nfl", "joe_nfl_won"]),
        ({"placed_before": "2026-11-21T12:00:00Z"}, ["joe_manual_lost", "joe_nba_open"]),
        (
            {"placed_after": "2026-11-20T00:00:00Z", "placed_before": "2026-11-22T12:00:00Z", "league": "nfl"},
            ["joe_nfl_won"],
        ),
    ],
)
def test_listing_bets_with_filters(filter_bets, betting_client, query, expected):
    rows = results_of(betting_client.get(BETS, query))

    names = {bet_id: name for name, bet_id in filter_bets.items()}
    assert sorted(names[row["id"]] for row in rows) == expected
    assert [row["id"] for row in rows] == sorted((row["id"] for row in rows), reverse=True)  # newest first


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "winning"}, "status"),
        ({"placed_after": "yesterday"}, "placed_after"),
        ({"placed_before": "2026-13-01"}, "placed_before"),
    ],
)
def test_a_bad_filter_is_a_400(capper, betting_client, query, field):
    response = betting_client.get(BETS, query)

    assert response.status_code == 400
    body = response.json()
    assert (body["code"], set(body["fields"])) == ("invalid", {field})


def test_getting_one_bet(capper, betting_client):
    placed = post_bet(betting_client, "g1", [moneyline(odds=125)])

    response = betting_client.get(f"{BETS}{placed['id']}/")

    assert response.status_code == 200
    assert response.json() == placed


def test_getting_an_unknown_bet_is_a_404(capper, betting_client):
    response = betting_client.get(f"{BETS}987654321/")

    assert response.status_code == 404
    assert response.json() == {"code": "bet_not_found", "message": "No bet 987654321 in this tenant.", "fields": {}}


# ---- settling and voiding ------------------------------------------------------------------------


def test_settling_a_straight_bet_with_result_keeps_settled_by(capper, betting_client):
    placed = post_bet(betting_client, "s1", [moneyline(odds=-125)], stake="2.50")

    response = betting_client.post(
        f"{BETS}{placed['id']}/settle/",
        {"result": "won", "reason": "final", "settled_by": "500000000000000077"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["net_units"], body["settled_by"], body["settlement_source"]) == (
        "won",
        "2.0000",
        "500000000000000077",
        "api",
    )
    assert body["legs"][0]["result"] == "won"
    entry = LedgerEntry.objects.get(bet_id=placed["id"])
    assert (entry.kind, entry.units, entry.reason) == ("settle", Decimal("2.0000"), "final")
    event = AuditEvent.objects.get(action="betting.bet_settled")
    assert (event.actor_kind, event.guild_id, event.reason) == ("api_key", "111111111111111111", "final")


def test_settling_a_parlay_leg_by_leg(capper, betting_client):
    placed = post_bet(betting_client, "s2", [moneyline(odds=150), {**moneyline(odds=-200), "selection": "away"}])
    first, second = (leg["id"] for leg in placed["legs"])
    url = f"{BETS}{placed['id']}/settle/"

    partial = betting_client.post(url, {"legs": [{"id": first, "result": "won"}]}, format="json")
    final = betting_client.post(url, {"legs": [{"id": second, "result": "won"}], "settled_by": "9"}, format="json")

    assert (partial.status_code, partial.json()["status"]) == (200, "pending")
    assert [leg["result"] for leg in partial.json()["legs"]] == ["won", "pending"]
    assert LedgerEntry.objects.filter(bet_id=placed["id"]).count() == 1
    assert (final.json()["status"], final.json()["net_units"], final.json()["settled_by"]) == ("won", "2.7500", "9")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"result": "won"}, 400, "parlay_needs_legs"),
        ({"result": "won", "legs": [{"id": 1, "result": "won"}]}, 400, "invalid"),
        ({}, 400, "invalid"),
        ({"legs": [{"id": 1, "result": "won"}]}, 400, "unknown_leg"),
    ],
    ids=["result-on-parlay", "both", "neither", "foreign-leg"],
)
def test_a_settlement_the_bet_cannot_take_is_refused(capper, betting_client, row_counts, body, status, code):
    placed = post_bet(betting_client, "s3", [moneyline(odds=150), {**moneyline(odds=-200), "selection": "away"}])
    before = row_counts()

    response = betting_client.post(f"{BETS}{placed['id']}/settle/", body, format="json")

    assert response.status_code == status
    assert set(response.json()) == {"code", "message", "fields"}
    assert response.json()["code"] == code
    assert row_counts() == before


def test_settling_a_settled_bet_is_a_409_and_writes_nothing(capper, betting_client, row_counts):
    placed = post_bet(betting_client, "s4", [moneyline(odds=150)])
    url = f"{BETS}{placed['id']}/settle/"
    betting_client.post(url, {"result": "lost"}, format="json")
    before = row_counts()

    again = betting_client.post(url, {"result": "lost"}, format="json")

    assert again.status_code == 409
    assert again.json() == {"code": "bet_already_settled", "message": "Bet s4 is already lost.", "fields": {}}
    assert row_counts() == before


def test_voiding_a_settled_bet_reverses_it(capper, betting_client):
    placed = post_bet(betting_client, "v1", [moneyline(odds=150)], stake="2.00")
    betting_client.post(f"{BETS}{placed['id']}/settle/", {"result": "won"}, format="json")

    response = betting_client.post(f"{BETS}{placed['id']}/void/", {"reason": "game was replayed"}, format="json")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["net_units"]) == ("void", "0.0000")
    assert list(LedgerEntry.objects.filter(bet_id=placed["id"]).values_list("kind", "units")) == [
        ("settle", Decimal("3.0000")),
        ("reverse", Decimal("-3.0000")),
        ("settle", Decimal("0.0000")),
    ]
    settle_again = betting_client.post(f"{BETS}{placed['id']}/settle/", {"result": "won"}, format="json")
    assert (settle_again.status_code, settle_again.json()["code"]) == (409, "bet_already_settled")


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}, {"reason": 7}])
def test_voiding_needs_a_reason(capper, betting_client, row_counts, body):
    placed = post_bet(betting_client, "v2", [moneyline(odds=150)])
    before = row_counts()

    response = betting_client.post(f"{BETS}{placed['id']}/void/", body, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"code", "message", "fields"}
    assert "reason" in response.json()["fields"]
    assert row_counts() == before


# ---- games ---------------------------------------------------------------------------------------

GAME = {
    "external_id": "espn-401",
    "sport": "basketball",
    "league": "NBA",
    "home_team": "Celtics",
    "away_team": "Knicks",
    "starts_at": "2026-11-30T00:30:00Z",
}


def test_posting_a_game_creates_it_then_updates_it(games_client):
    created = games_client.post(GAMES, GAME, format="json")
    updated = games_client.post(GAMES, {**GAME, "starts_at": "2026-11-30T01:00:00Z", "status": "live"}, format="json")

    assert created.status_code == 201, created.json()
    assert created.json() == {
        "external_id": "espn-401",
        "sport": "basketball",
        "league": "nba",
        "home_team": "Celtics",
        "away_team": "Knicks",
        "starts_at": "2026-11-30T00:30:00Z",
        "status": "scheduled",
        "home_score": None,
        "away_score": None,
        "finalized_at": None,
    }
    assert updated.status_code == 200
    assert (updated.json()["starts_at"], updated.json()["status"]) == ("2026-11-30T01:00:00Z", "live")
    assert Game.objects.count() == 1
    assert list(
        AuditEvent.objects.filter(action__startswith="betting.").order_by("pk").values_list("action", flat=True)
    ) == [
        "betting.game_created",
        "betting.game_updated",
    ]


def test_listing_games(games_client, betting_client):
    games_client.post(GAMES, GAME, format="json")
    games_client.post(GAMES, {**GAME, "external_id": "espn-402", "league": "NFL", "sport": "football"}, format="json")

    every = results_of(betting_client.get(GAMES))
    nfl = results_of(betting_client.get(GAMES, {"league": "nfl"}))
    one = betting_client.get(GAMES + "espn-402/")

    assert sorted(game["external_id"] for game in every) == ["espn-401", "espn-402"]
    assert [game["external_id"] for game in nfl] == ["espn-402"]
    assert (one.status_code, one.json()["league"]) == (200, "nfl")


def test_posting_a_result_grades_the_games_bets(
    capper, games_client, betting_client, django_capture_on_commit_callbacks
):
    games_client.post(GAMES, {**GAME, "starts_at": "2026-11-29T00:30:00Z"}, format="json")
    won = post_bet(betting_client, "r1", [moneyline("espn-401", "home", -150)], stake="3.00")
    lost = post_bet(betting_client, "r2", [moneyline("espn-401", "away", 130)])

    with django_capture_on_commit_callbacks(execute=True):
        response = games_client.post(GAMES + "espn-401/result/", {"home_score": 101, "away_score": 99}, format="json")

    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["home_score"], response.json()["away_score"]) == (
        "final",
        101,
        99,
    )
    graded = {bet["id"]: bet for bet in results_of(betting_client.get(BETS))}
    assert (graded[won["id"]]["status"], graded[won["id"]]["net_units"]) == ("won", "2.0000")
    assert (graded[lost["id"]]["status"], graded[lost["id"]]["net_units"]) == ("lost", "-1.0000")
    assert graded[won["id"]]["settlement_source"] == "auto"

    with django_capture_on_commit_callbacks(execute=True):
        repeat = games_client.post(GAMES + "espn-401/result/", {"home_score": 101, "away_score": 99}, format="json")
        different = games_client.post(GAMES + "espn-401/result/", {"home_score": 99, "away_score": 101}, format="json")
    assert repeat.status_code == 200
    assert (different.status_code, different.json()["code"]) == (409, "game_final")
    assert LedgerEntry.objects.count() == 2


def test_a_result_for_an_unknown_game_is_a_404(games_client):
    response = games_client.post(GAMES + "nope/result/", {"home_score": 1, "away_score": 0}, format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "game_not_found"


# ---- isolation -----------------------------------------------------------------------------------


@pytest.fixture
def home_bet(capper, betting_client):
    return post_bet(betting_client, "iso-1", [moneyline(odds=150)])


@pytest.fixture
def other_client(other_tenant, make_key, client_with_key):
    _, secret = make_key(BETTING_SCOPES, tenant=other_tenant, name="other bot")
    return client_with_key(secret)


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("get", "", None),
        ("post", "settle/", {"result": "won"}),
        ("post", "void/", {"reason": "mine now"}),
    ],
)
def test_another_tenants_key_on_this_tenants_bet_is_a_404(home_bet, other_client, row_counts, method, suffix, body):
    before = row_counts()

    response = getattr(other_client, method)(f"{BETS}{home_bet['id']}/{suffix}", body, format="json")

    assert response.status_code == 404
    assert response.json() == {
        "code": "tenant_not_found",
        "message": "No tenant with guild id 111111111111111111.",
        "fields": {},
    }
    assert row_counts() == before


@pytest.mark.parametrize(("suffix", "body"), [("settle/", {"result": "won"}), ("void/", {"reason": "mine now"})])
def test_settling_a_bet_through_another_tenants_path_is_a_404(home_bet, other_client, row_counts, suffix, body):
    before = row_counts()

    response = other_client.post(f"{OTHER}bets/{home_bet['id']}/{suffix}", body, format="json")

    assert response.status_code == 404
    assert response.json() == {
        "code": "bet_not_found",
        "message": f"No bet {home_bet['id']} in this tenant.",
        "fields": {},
    }
    assert row_counts() == before
    assert Bet.objects.get(pk=home_bet["id"]).status == "pending"


def test_another_tenants_key_cannot_list_or_post_here(capper, other_client, row_counts):
    before = row_counts()

    listed = other_client.get(BETS)
    posted = other_client.post(BETS, bet_body("iso-2", [moneyline()]), format="json")
    ledger = other_client.get(f"{CAPPERS}{JOE}/ledger/?period=lifetime")

    assert [response.status_code for response in (listed, posted, ledger)] == [404, 404, 404]
    assert row_counts() == before


PATHS = [
    ("get", BETS, None),
    ("post", BETS, bet_body("iso-3", [moneyline()])),
    ("get", BETS + "1/", None),
    ("post", BETS + "1/settle/", {"result": "won"}),
    ("post", BETS + "1/void/", {"reason": "x"}),
    ("get", CAPPERS, None),
    ("post", CAPPERS, {"discord_user_id": ANN, "username": "ann"}),
    ("get", CAPPERS + JOE + "/ledger/", None),
    ("get", HOME + "leaderboard/", None),
    ("post", GAMES, GAME),
    ("post", GAMES + "espn-401/result/", {"home_score": 1, "away_score": 0}),
    ("get", GAMES, None),
]


@pytest.mark.parametrize(("method", "path", "body"), PATHS)
def test_no_key_is_a_401(capper, api_client, row_counts, method, path, body):
    before = row_counts()

    response = getattr(api_client, method)(path, body, format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert row_counts() == before


@pytest.mark.parametrize(
    ("method", "path", "body", "scopes", "missing"),
    [
        ("get", BETS, None, ["bets:write", "bets:settle"], "bets:read"),
        ("post", BETS, bet_body("iso-4", [moneyline()]), ["bets:read", "bets:settle"], "bets:write"),
        ("post", BETS + "{bet}/settle/", {"result": "won"}, ["bets:read", "bets:write"], "bets:settle"),
        ("post", BETS + "{bet}/void/", {"reason": "x"}, ["bets:read", "bets:write"], "bets:settle"),
        ("post", CAPPERS, {"discord_user_id": ANN, "username": "ann"}, ["bets:read"], "bets:write"),
        ("get", CAPPERS + JOE + "/ledger/", None, ["bets:write"], "bets:read"),
        ("get", HOME + "leaderboard/", None, ["bets:settle"], "bets:read"),
        ("post", GAMES, GAME, BETTING_SCOPES, "games:write"),
        ("post", GAMES + "espn-401/result/", {"home_score": 1, "away_score": 0}, BETTING_SCOPES, "games:write"),
    ],
)
def test_a_missing_scope_is_a_403(
    home_bet, tenant, make_key, client_with_key, row_counts, method, path, body, scopes, missing
):
    _, secret = make_key(scopes, tenant=tenant)
    before = row_counts()

    response = getattr(client_with_key(secret), method)(path.format(bet=home_bet["id"]), body, format="json")

    assert response.status_code == 403
    assert response.json() == {
        "code": "permission_denied",
        "message": f"This API key lacks the '{missing}' scope.",
        "fields": {},
    }
    assert row_counts() == before


# ---- query budgets -------------------------------------------------------------------------------


@pytest.fixture
def grow_bets(tenant, capper, make_game, place_bet):
    """grow_bets(count) adds `count` parlays of 3 legs on 3 distinct games (the plan allows them open)."""
    tenant.plan_code = "enterprise"
    tenant.save(update_fields=["plan_code"])
    games = [make_game(f"budget-{n}", home=f"Home {n}", away=f"Away {n}") for n in range(3)]
    created = []

    def _grow(count: int) -> None:
        for _ in range(count):
            legs = [
                {"game": game.external_id, "market": "moneyline", "selection": "home", "odds": 120} for game in games
            ]
            created.append(place_bet(f"budget-{len(created)}", legs))

    return _grow


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return len(queries)


@pytest.mark.parametrize(
    ("path", "budget"),
    [
        (BETS, 8),
        (BETS + "?status=pending&league=nba&capper=" + JOE, 8),
        (CAPPERS, 4),
        (GAMES, 3),
        (HOME + "leaderboard/?period=lifetime", 5),
        (CAPPERS + JOE + "/ledger/?period=lifetime", 5),
    ],
)
def test_a_list_costs_the_same_for_one_and_thirty_bets(
    grow_bets, betting_client, django_assert_max_num_queries, path, budget
):
    grow_bets(1)
    _queries(betting_client, path)  # the key's last_used_at is written on first use only
    one = _queries(betting_client, path)
    grow_bets(29)

    with django_assert_max_num_queries(budget):
        thirty = _queries(betting_client, path)

    assert thirty == one
    assert Bet.objects.count() == 30
