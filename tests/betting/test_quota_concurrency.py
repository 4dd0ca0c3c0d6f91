"""The open-bet quota of a plan holds under concurrent placements (issue 11, item 9): the count and the
insert happen under one lock per tenant, so racing requests cannot all see room for one more bet."""

from decimal import Decimal

import pytest

from apps.betting.choices import BetStatus
from apps.betting.models import Bet
from apps.betting.services.bets import LegInput
from apps.betting.services.bulk import BetInput, bet_place_many
from apps.core.errors import ApplicationError
from apps.tenants.plans import plan_for
from tests.betting.helpers import run_at_once

pytestmark = pytest.mark.django_db(transaction=True)
MANUAL_LEG = {"market": "moneyline", "selection": "home", "odds": -110, "description": "Celtics vs Knicks"}
RACERS = 6


def _open_bets(tenant) -> int:
    return Bet.objects.filter(tenant=tenant, status__in=[BetStatus.PENDING, BetStatus.LIVE]).count()


def test_concurrent_placements_cannot_pass_the_open_bet_quota(tenant, place_bet):
    quota = plan_for(tenant.plan_code).active_pending_bets
    assert quota == 25  # the free plan
    for number in range(quota - 1):
        place_bet(f"quota-{number}", [MANUAL_LEG])

    outcomes = run_at_once(*[lambda n=n: place_bet(f"race-{n}", [MANUAL_LEG]) for n in range(RACERS)])

    placed = [value for kind, value in outcomes if kind == "ok"]
    refused = [value for kind, value in outcomes if kind == "error"]
    assert len(placed) == 1, outcomes
    assert len(refused) == RACERS - 1
    assert all(isinstance(error, ApplicationError) and error.code == "plan_quota_exceeded" for error in refused)
    assert _open_bets(tenant) == quota


def test_concurrent_bulk_imports_cannot_pass_the_open_bet_quota(tenant, capper, actor):
    quota = plan_for(tenant.plan_code).active_pending_bets

    def batch(prefix: str):
        items = [
            BetInput(
                external_id=f"{prefix}-{number}",
                capper=capper.member.discord_user_id,
                stake_units=Decimal("1.00"),
                legs=[LegInput(**MANUAL_LEG)],
                placed_at=None,
            )
            for number in range(quota)
        ]
        return bet_place_many(tenant=tenant, actor=actor, bets=items)

    run_at_once(*[lambda prefix=prefix: batch(prefix) for prefix in ("a", "b", "c")])

    assert _open_bets(tenant) == quota
