"""`insert_rows`, how the demo writes bets and legs in bulk on SQLite (`make run`): the rows read back through the
ORM exactly as given (decimals, aware datetimes, a number given for a text column), on any database."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from apps.betting.models import Bet, BetLeg
from apps.demo.bets import BET_COLUMNS, LEG_COLUMNS
from apps.demo.loading import insert_rows

pytestmark = pytest.mark.django_db


def test_inserted_bet_and_leg_read_back_as_given():
    call_command("seed_demo", tenants=1, bets=5, no_progress=True, stdout=StringIO(), stderr=StringIO())
    model = Bet.objects.order_by("pk").first()
    leg_model = model.legs.get() if model.leg_count == 1 else model.legs.order_by("position").first()
    bet_id, leg_id = Bet.objects.order_by("-pk").first().pk + 1000, BetLeg.objects.order_by("-pk").first().pk + 1000
    placed_at = datetime(2026, 11, 3, 18, 30, 5, tzinfo=UTC)
    bet = {
        **{column: getattr(model, column) for column in BET_COLUMNS},
        "id": bet_id,
        "external_id": 1558584424926136099,  # a number: stored as its text, as a save would
        "stake_units": Decimal("2.50"),
        "status": "pending",
        "leg_count": 1,
        "american_odds": -110,
        "decimal_odds": Decimal("1.909091"),
        "potential_profit": Decimal("2.2727"),
        "net_units": None,
        "placed_at": placed_at,
        "received_at": placed_at + timedelta(seconds=3),
        "settled_at": None,
        "needs_review": True,
        "review_note": "planted",
        "created_at": placed_at,
        "updated_at": placed_at,
    }
    leg = {
        **{column: getattr(leg_model, column) for column in LEG_COLUMNS},
        "id": leg_id,
        "bet_id": bet_id,
        "position": 1,
        "line": Decimal("-3.5"),
        "odds": -110,
        "result": "pending",
        "graded_at": None,
    }

    insert_rows(Bet, BET_COLUMNS, [tuple(bet[column] for column in BET_COLUMNS)])
    insert_rows(BetLeg, LEG_COLUMNS, [tuple(leg[column] for column in LEG_COLUMNS)])

    stored = Bet.objects.get(pk=bet_id)
    expected = {**bet, "external_id": "1558584424926136099"}
    assert {column: getattr(stored, column) for column in BET_COLUMNS} == expected
    stored_leg = stored.legs.get()
    assert {column: getattr(stored_leg, column) for column in LEG_COLUMNS} == leg
