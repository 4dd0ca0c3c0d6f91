"""The slash commands end to end: a signed interaction in, the ledger read or written through the betting
selectors and services, the answer inline or as a follow-up that reaches a local stand-in for Discord's API.

Deferred commands run eagerly here (test settings), enqueued through the outbox after the request's commit;
tests/integration/test_discord_worker.py runs one through a real worker."""

import time
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.betting.models import Bet, Capper
from apps.betting.services import bet_place, bet_settle, capper_create, game_upsert
from apps.betting.services.bets import LegInput
from apps.core.models import OutboxMessage
from apps.core.outbox import outbox_message_run
from apps.integration.discord.client import DiscordUnavailable
from apps.integration.discord.commands import period_label
from apps.integration.discord.followup import FollowupNotDelivered, discord_command_follow_up
from apps.integration.discord.interactions import interaction_parse
from apps.integration.discord.messages import EPHEMERAL
from apps.ml.nlp.services import team_aliases_seed
from apps.tenants.services import tenant_update
from tests.api.snapshots import snapshot_diff, take_snapshot
from tests.integration.discord_helpers import (
    APPLICATION_ID,
    USER_ID,
    DiscordStandIn,
    command,
    key_pair,
    post_signed,
    snowflake,
)

pytestmark = pytest.mark.django_db
BET = {"market": "spread", "selection": "Away", "odds": 150, "stake": 2.5, "line": -3.5, "team": "Suns at Lakers"}
NO_MENTIONS = {"parse": []}


@pytest.fixture(scope="module")
def discord_api():
    stand_in = DiscordStandIn().start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def discord(settings, discord_api):
    """The endpoint's key pair and Discord's API on 127.0.0.1; returns (private key, stand-in)."""
    private, public_hex = key_pair()
    settings.DISCORD_PUBLIC_KEY = public_hex
    settings.DISCORD_API_BASE_URL = discord_api.base_url
    discord_api.reset()
    return private, discord_api


@pytest.fixture
def capper(tenant, actor):
    return capper_create(tenant=tenant, actor=actor, discord_user_id=USER_ID, username="joe", display_name="Joe")


def _settled(tenant, capper, actor, stake: str, odds: int, result: str | None, number: int) -> Bet:
    leg = LegInput(market="moneyline", selection="home", odds=odds, description=f"Game {number}")
    bet, _ = bet_place(tenant=tenant, actor=actor, external_id=f"seed-{number}", capper=capper,
                       stake_units=Decimal(stake), legs=[leg])  # fmt: skip
    return bet_settle(bet=bet, actor=actor, result=result) if result else bet


def _answer(response, *, ephemeral: bool = True) -> str:
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["type"] == 4
    assert body["data"]["allowed_mentions"] == NO_MENTIONS
    assert body["data"].get("flags") == (EPHEMERAL if ephemeral else None)
    return body["data"]["content"]


def test_record_answers_inline_with_the_ledgers_figures(client, discord, tenant, capper, actor):
    _settled(tenant, capper, actor, "2.00", 150, "won", 1)
    _settled(tenant, capper, actor, "1.10", -110, "lost", 2)
    _settled(tenant, capper, actor, "1.00", -110, "push", 3)
    _settled(tenant, capper, actor, "1.00", -110, None, 4)  # pending: not in the record

    content = _answer(post_signed(client, discord[0], command("record", period="lifetime")))

    assert content == "**Joe** — lifetime\nRecord: 1-1-1\nNet: +1.90u on 4.10u staked · ROI +46.3%"
    assert discord[1].received == []  # inline: no follow-up


def test_record_of_someone_who_is_not_a_capper_says_so(client, discord, tenant):
    content = _answer(post_signed(client, discord[0], command("record")))

    assert content == "You are not a capper in this server, so you have no record here yet."


@pytest.mark.parametrize("name", ["record", "leaderboard"])
@pytest.mark.parametrize("period", ["fortnight", ["month"], 7])
def test_an_unknown_period_is_refused_at_once_with_the_choices(client, discord, tenant, capper, name, period):
    content = _answer(post_signed(client, discord[0], command(name, period=period)))

    assert content == f"Unknown period {period!r}: choose one of month, last-month, year, lifetime."
    assert not OutboxMessage.objects.exists()


def test_pending_lists_the_callers_open_bets_newest_first(client, discord, tenant, capper, actor):
    _settled(tenant, capper, actor, "1.00", -110, "won", 1)
    first = _settled(tenant, capper, actor, "1.50", 120, None, 2)
    second = _settled(tenant, capper, actor, "2.00", -105, None, 3)

    content = _answer(post_signed(client, discord[0], command("pending")))

    assert content == (
        "Your pending bets (2):\n"
        f"• Bet #{second.pk}: 2.00u at -105 — Game 3: moneyline home (-105)\n"
        f"• Bet #{first.pk}: 1.50u at +120 — Game 2: moneyline home (+120)"
    )


def test_leaderboard_is_deferred_and_its_follow_up_reaches_discord(
    client, discord, tenant, capper, actor, django_capture_on_commit_callbacks
):
    _settled(tenant, capper, actor, "2.00", 150, "won", 1)
    rival = capper_create(tenant=tenant, actor=actor, discord_user_id="500000000000000002", username="ann",
                          display_name="@everyone")  # fmt: skip
    _settled(tenant, rival, actor, "1.00", -110, "lost", 2)
    payload = command("leaderboard", period="month")

    with django_capture_on_commit_callbacks(execute=True):
        response = post_signed(client, discord[0], payload)

    assert (response.status_code, response.json()) == (200, {"type": 5, "data": {"flags": 0}})  # public
    [followup] = discord[1].wait_for(1)
    assert (followup.method, followup.path) == (
        "PATCH",
        f"/api/v10/webhooks/{APPLICATION_ID}/{payload['token']}/messages/@original",
    )
    assert followup.body["allowed_mentions"] == NO_MENTIONS  # "@everyone" is a display name, not a ping
    assert followup.body["content"].splitlines()[1:] == [
        "1. Joe — +3.00u (1-0-0, ROI +150.0%)",
        "2. @everyone — -1.00u (0-1-0, ROI -100.0%)",
    ]
    assert OutboxMessage.objects.filter(completed_at__isnull=False).count() == 1


def test_bet_is_deferred_then_placed_through_the_betting_service_with_the_discord_actor(
    client, discord, tenant, capper, django_capture_on_commit_callbacks
):
    payload = command("bet", **BET)

    with django_capture_on_commit_callbacks(execute=True):
        response = post_signed(client, discord[0], payload)

    assert response.json() == {"type": 5, "data": {"flags": EPHEMERAL}}
    bet = Bet.objects.get(tenant=tenant, external_id=payload["id"])
    leg = bet.legs.get()
    assert (bet.capper_id, bet.stake_units, bet.american_odds) == (capper.pk, Decimal("2.50"), 150)
    assert (leg.market, leg.selection, leg.line, leg.manual_teams) == (
        "spread",
        "away",
        Decimal("-3.50"),
        "Suns at Lakers",
    )
    event = AuditEvent.objects.get(action="betting.bet_placed", target_id=str(bet.pk))
    assert (event.actor_kind, event.actor_identifier, event.actor_label, event.request_id, event.guild_id) == (
        "system", f"discord:member:{capper.member_id}", f"Discord /bet by member {capper.member_id}",
        f"discord:{payload['id']}", tenant.guild_id,
    )  # fmt: skip
    [followup] = discord[1].wait_for(1)
    assert followup.body["content"] == f"Posted. Bet #{bet.pk}: 2.50u at +150 — Suns at Lakers: spread away -3.5 (+150)"


def test_a_bet_the_ledger_refuses_is_answered_with_the_reason_and_nothing_is_kept(
    client, discord, tenant, capper, django_capture_on_commit_callbacks
):
    before = take_snapshot()

    with django_capture_on_commit_callbacks(execute=True):
        post_signed(client, discord[0], command("bet", **{**BET, "stake": 50}))

    [followup] = discord[1].wait_for(1)
    assert followup.body["content"] == ("The bet was not placed: Must be between 0.10 and 10.00 units for this tenant.")
    assert snapshot_diff(before, take_snapshot()) == {}


@pytest.mark.parametrize(
    ("options", "content"),
    [
        ({"text": "   "}, "Write the bet in the text option, e.g. `Lakers -3.5 (-110) 2u`, or "
         "`Parlay 1u: Celtics ML -150 + Knicks +4 -110`."),
        ({"market": "total", "odds": -110}, "A bet needs selection, stake."),
        ({**BET, "stake": 1.234}, "stake must be a number from 0.01 to 999999.99 with at most 2 decimals."),
        ({**BET, "odds": "150"}, "odds must be whole American odds, e.g. -110 or 150."),
    ],
)  # fmt: skip
def test_a_bet_with_options_the_command_cannot_use_is_refused_at_once_and_privately(
    client, discord, tenant, capper, options, content
):
    before, outbox = take_snapshot(), OutboxMessage.objects.count()

    assert _answer(post_signed(client, discord[0], command("bet", **options))) == content
    assert snapshot_diff(before, take_snapshot()) == {}
    assert OutboxMessage.objects.count() == outbox


def test_a_member_who_is_no_capper_cannot_bet_unless_the_tenant_allows_self_registration(
    client, discord, tenant, actor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_signed(client, discord[0], command("bet", **BET))
    assert discord[1].wait_for(1)[0].body["content"] == (
        "You are not a capper in this server: ask its admins to add you, then post your bet again."
    )
    assert not Capper.objects.exists() and not Bet.objects.exists()

    payload = command("bet", **BET)
    with django_capture_on_commit_callbacks(execute=True):
        tenant_update(tenant=tenant, actor=actor, settings={"discord_cappers_self_register": True})
        post_signed(client, discord[0], payload)

    capper = Capper.objects.select_related("member").get()
    assert (capper.member.discord_user_id, capper.display_name) == (USER_ID, "Joe Capper")
    assert Bet.objects.get(external_id=payload["id"]).capper_id == capper.pk
    assert AuditEvent.objects.get(action="betting.capper_created").actor_identifier == "discord:self-registration"


def test_a_follow_up_discord_does_not_take_rolls_the_bet_back_for_the_outbox_to_retry(
    client, discord, tenant, capper, django_capture_on_commit_callbacks
):
    discord[1].reset(status=500)
    payload = command("bet", **BET)

    with pytest.raises(DiscordUnavailable), django_capture_on_commit_callbacks(execute=True):
        post_signed(client, discord[0], payload)  # eager: the task's error surfaces after the commit

    assert not Bet.objects.filter(external_id=payload["id"]).exists()
    row = OutboxMessage.objects.get()
    assert (row.completed_at, row.attempts, row.last_error) == (
        None,
        1,
        "DiscordUnavailable: Discord answered HTTP 500",
    )
    # Discord is back: the outbox's retry of the row places the bet once and answers
    discord[1].reset(status=200)
    assert outbox_message_run(message_id=row.pk) is True
    assert Bet.objects.filter(external_id=payload["id"]).count() == 1
    assert discord[1].wait_for(1)[0].body["content"].startswith("Posted. Bet #")


def test_a_follow_up_refused_with_a_4xx_keeps_nothing_either(
    client, discord, tenant, capper, django_capture_on_commit_callbacks
):
    discord[1].reset(status=404, answer={"message": "Unknown Webhook", "code": 10015})

    with pytest.raises(FollowupNotDelivered), django_capture_on_commit_callbacks(execute=True):
        post_signed(client, discord[0], command("bet", **BET))

    assert not Bet.objects.exists()
    assert OutboxMessage.objects.get().last_error.startswith("FollowupNotDelivered: Discord refused the follow-up")


def test_an_interaction_older_than_its_token_is_dropped_unrun(discord, tenant, capper):
    expired = snowflake(at_ms=int(time.time() * 1000) - 16 * 60 * 1000)  # tokens live 15 minutes

    assert (
        discord_command_follow_up(interaction=interaction_parse(command("bet", interaction_id=expired, **BET))) is None
    )
    assert discord[1].received == [] and not Bet.objects.exists()


def test_inline_and_deferred_follow_the_setting(client, discord, tenant, capper, settings):
    settings.DISCORD_DEFERRED_COMMANDS = ["record"]

    assert post_signed(client, discord[0], command("record")).json()["type"] == 5
    assert post_signed(client, discord[0], command("leaderboard")).json()["type"] == 4
    assert list(OutboxMessage.objects.values_list("task_name", flat=True)) == [
        "apps.integration.discord.tasks.discord_command_follow_up_task"
    ]


@pytest.mark.parametrize(("name", "result"), [("pending", None), ("record", "won")])
def test_the_inline_commands_run_a_fixed_number_of_queries_whatever_the_number_of_bets(
    client, discord, tenant, capper, actor, name, result
):
    def queries_with(bet_count: int) -> int:
        for number in range(Bet.objects.count(), bet_count):
            _settled(tenant, capper, actor, "1.00", -110, result, number)
        cache.clear()  # each count from a cold cache: the tenant, the capper and the ledger read from the database
        with CaptureQueriesContext(connection) as queries:
            assert post_signed(client, discord[0], command(name)).status_code == 200
        return len(queries)

    # more bets than /pending shows (10) both times: the count of the rest is one query either way
    assert queries_with(12) == queries_with(24) == {"pending": 5, "record": 3}[name]


@pytest.mark.parametrize(
    ("choice", "now", "zone", "expected"),
    [
        (None, "2026-12-07T10:00:00+00:00", "UTC", ("2026-12", "December 2026")),
        ("last-month", "2026-01-15T10:00:00+00:00", "UTC", ("2025-12", "December 2025")),
        ("year", "2026-12-31T23:30:00+00:00", "Asia/Tokyo", ("2027", "2027")),  # already next year in Tokyo
        ("month", "2026-03-01T03:00:00+00:00", "America/New_York", ("2026-02", "February 2026")),
        ("lifetime", "2026-12-07T10:00:00+00:00", "UTC", ("lifetime", "lifetime")),
    ],
)
def test_period_choices_are_the_ledgers_labels_in_the_tenants_time_zone(choice, now, zone, expected):
    assert period_label(choice, timezone_name=zone, now=datetime.fromisoformat(now)) == expected


# --- /bet text: the bet in the capper's words, read by the ml app's parser (issue #16 nlp)


@pytest.fixture
def schedule(actor):
    """Two NBA games tomorrow (Knicks at Lakers, Heat at Celtics) the parser resolves teams to."""
    tomorrow = timezone.now() + timedelta(days=1)
    games = {}
    for external_id, home, away in (("nlp-g1", "Los Angeles Lakers", "New York Knicks"),
                                    ("nlp-g2", "Boston Celtics", "Miami Heat")):  # fmt: skip
        games[external_id], _ = game_upsert(
            actor=actor, external_id=external_id, sport="basketball", league="NBA", home_team=home,
            away_team=away, starts_at=tomorrow,
        )  # fmt: skip
    team_aliases_seed()  # the parser's curated aliases ("Knicks", "LAL") for these teams
    return games


def test_a_bet_in_free_text_is_parsed_and_posted(
    client, discord, tenant, capper, schedule, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        payload = command("bet", text="LAKERS -3.5 (\u2212110) 2u 🔥")
        post_signed(client, discord[0], payload)

    bet = Bet.objects.get(external_id=payload["id"])
    leg = bet.legs.get()
    assert (bet.stake_units, bet.american_odds) == (Decimal("2.00"), -110)
    assert (leg.game.external_id, leg.market, leg.selection, leg.line) == ("nlp-g1", "spread", "home", Decimal("-3.50"))
    [followup] = discord[1].wait_for(1)
    assert followup.body["content"].startswith(f"Posted. Bet #{bet.pk}: 2.00u at -110")


def test_a_free_text_card_posts_each_bet_and_a_parlay_posts_one(
    client, discord, tenant, capper, schedule, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        card = command("bet", text="Lakers ML -150 1u\nCeltics o221.5 -110 2u")
        post_signed(client, discord[0], card)
        parlay = command("bet", text="Parlay 1u: Knicks +4 -110 + Heat ML +130")
        post_signed(client, discord[0], parlay)

    straights = Bet.objects.filter(external_id__startswith=card["id"]).order_by("external_id")
    assert [(bet.external_id, bet.stake_units, bet.legs.count()) for bet in straights] == [
        (f"{card['id']}-1", Decimal("1.00"), 1),
        (f"{card['id']}-2", Decimal("2.00"), 1),
    ]
    parlay_bet = Bet.objects.get(external_id=parlay["id"])
    assert sorted(parlay_bet.legs.values_list("game__external_id", "market", "selection")) == [
        ("nlp-g1", "spread", "away"),
        ("nlp-g2", "moneyline", "away"),
    ]
    assert parlay_bet.stake_units == Decimal("1.00")


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("Lakers 3.5 2u", "Not posted: I could not read “Lakers 3.5 2u”: a number without a sign or over/under "
                          "(3.5): spread or total?."),
        ("Lakers -3.5 2u", "Not posted: add the odds of Los Angeles Lakers (e.g. `-110`).\nI understood:\n"
                           "• Los Angeles Lakers -3.5 (no odds), 2u"),
        ("Lakers -3.5 -110", "Not posted: add the stake in units (e.g. `2u`).\nI understood:\n"
                             "• Los Angeles Lakers -3.5 (-110), no stake"),
        ("gm fam, big slate today", "Not posted: I found no bet in the text. Write it like e.g. "
                                    "`Lakers -3.5 (-110) 2u`, or `Parlay 1u: Celtics ML -150 + Knicks +4 -110`."),
    ],
)  # fmt: skip
def test_an_unclear_free_text_bet_is_refused_privately_with_what_was_understood(
    client, discord, tenant, capper, schedule, django_capture_on_commit_callbacks, text, refusal
):
    before = take_snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        post_signed(client, discord[0], command("bet", text=text))

    [followup] = discord[1].wait_for(1)
    assert followup.body["content"] == refusal
    assert followup.body["flags"] == EPHEMERAL
    assert snapshot_diff(before, take_snapshot()) == {}
