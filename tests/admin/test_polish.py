"""Polish of the admin (issue #17, section 6): the tools on the index, American odds with their sign on every
bet page, the legs' caption, and a bet list whose columns fit a laptop."""

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.betting.choices import Market, Selection
from apps.betting.services import bet_place, capper_create, game_upsert
from apps.betting.services.bets import LegInput
from apps.core.actors import Actor
from apps.tenants.services import tenant_create

pytestmark = pytest.mark.django_db

# a read-only value on a change page, an odds cell of a list (unfold's markup: classes after the field's)
READONLY = re.compile(r'<div class="readonly[^"]*">([^<]*)</div>')
ODDS_CELL = re.compile(r'<td class="field-odds[^"]*"[^>]*>([^<]*)</td>')
LONG_NAME = "The Extremely Long Named Betting Guild of Everywhere"


@pytest.fixture
def bets():
    """A long-named tenant with a single bet at +1387 and a two-leg parlay (-110 and +150)."""
    actor = Actor.system("test")
    tenant = tenant_create(actor=actor, guild_id="510000000000000001", name=LONG_NAME)
    capper = capper_create(tenant=tenant, actor=actor, discord_user_id="610000000000000001", username="sharpie")
    games = []
    for number in range(2):
        game, _ = game_upsert(
            actor=actor,
            external_id=f"polish-{number}",
            sport="basketball",
            league="nba",
            home_team=f"Home {number}",
            away_team=f"Away {number}",
            starts_at=datetime(2030, 1, 1, tzinfo=UTC),
        )
        games.append(game)
    single, _ = bet_place(
        tenant=tenant,
        actor=actor,
        external_id="polish-single",
        capper=capper,
        stake_units=Decimal("1.00"),
        legs=[LegInput(market=Market.MONEYLINE, selection=Selection.HOME, odds=1387, game=games[0].external_id)],
    )
    parlay, _ = bet_place(
        tenant=tenant,
        actor=actor,
        external_id="polish-parlay",
        capper=capper,
        stake_units=Decimal("1.00"),
        legs=[
            LegInput(market=Market.MONEYLINE, selection=Selection.HOME, odds=-110, game=games[0].external_id),
            LegInput(market=Market.MONEYLINE, selection=Selection.AWAY, odds=150, game=games[1].external_id),
        ],
    )
    return tenant, single, parlay


def test_the_admin_index_links_the_cache_page_and_the_other_tools(superuser_client):
    body = superuser_client.get(reverse("admin:index")).content.decode()

    assert f'href="{reverse("admin-cache-stats")}"' in body
    assert "Site administration | DBSBM</title>" in body and "Django administration" not in body
    assert f'href="{reverse("admin-privacy-data-map")}"' in body
    assert f'href="{reverse("portal:dashboard")}"' in body
    assert f'href="{reverse("swagger-ui")}"' in body
    assert 'id="content-main"' in body and body.count('id="content-main"') == 1  # the app list is still there
    assert superuser_client.get(reverse("admin-cache-stats")).status_code == 200


def test_the_bet_page_shows_american_odds_with_their_sign_and_legs_by_position(superuser_client, bets):
    _, single, parlay = bets

    body = superuser_client.get(reverse("admin:betting_bet_change", args=[single.pk])).content.decode()
    # the bet's odds, as the list shows them, and the leg's odds in the inline
    assert READONLY.findall(body).count("+1387") == 2
    assert ">1387<" not in body

    body = superuser_client.get(reverse("admin:betting_bet_change", args=[parlay.pk])).content.decode()
    assert {"-110", "+150"} <= set(READONLY.findall(body))
    assert "Leg 1: moneyline home -110" in body and "Leg 2: moneyline away +150" in body
    assert f"of {parlay.pk}" not in body  # the stray "leg 1 of <bet id>" caption


def test_a_leg_reads_by_its_position_with_signed_odds(bets):
    _, single, parlay = bets
    assert str(single.legs.get()) == "Leg 1: moneyline home +1387"
    assert [str(leg) for leg in parlay.legs.order_by("position")] == [
        "Leg 1: moneyline home -110",
        "Leg 2: moneyline away +150",
    ]


def test_the_bet_list_shortens_the_tenant_and_drops_it_when_filtered_to_one(superuser_client, bets):
    tenant, single, _ = bets
    url = reverse("admin:betting_bet_changelist")

    body = superuser_client.get(url).content.decode()
    assert "column-tenant_short" in body
    assert f'title="{LONG_NAME} (guild {tenant.guild_id})">The Extremely Lon…</span>' in body
    for column in ("capper", "status", "odds"):
        assert f"column-{column}" in body
    assert "+1387" in ODDS_CELL.findall(body)

    filtered = superuser_client.get(url, {"tenant__id__exact": tenant.pk}).content.decode()
    assert "column-tenant_short" not in filtered
    assert "field-tenant_short" not in filtered
    assert "sharpie" in filtered and "+1387" in ODDS_CELL.findall(filtered)


def test_the_odds_quote_list_shows_signed_odds(superuser_client, bets):
    from apps.betting.services import OddsQuoteInput, odds_quotes_upsert  # noqa: PLC0415

    game = bets[1].legs.get().game
    odds_quotes_upsert(
        actor=Actor.system("test"),
        game=game,
        quotes=[
            OddsQuoteInput(
                market=Market.MONEYLINE,
                selection=Selection.AWAY,
                american_odds=240,
                bookmaker="Book",
                quoted_at=datetime(2025, 12, 31, tzinfo=UTC),
            )
        ],
        source="test",
    )

    body = superuser_client.get(reverse("admin:betting_oddsquote_changelist")).content.decode()
    assert ODDS_CELL.findall(body) == ["+240"]
    game_page = superuser_client.get(reverse("admin:betting_game_change", args=[game.pk])).content.decode()
    assert "<td>+240</td>" in game_page
