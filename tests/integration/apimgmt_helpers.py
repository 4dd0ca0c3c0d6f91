"""Shared helpers of the API management tests (tests/integration/test_apimgmt_*.py)."""

from decimal import Decimal

from apps.betting.services import bet_place, capper_create
from apps.betting.services.bets import LegInput


def place_bets(*, tenant, actor, discord_user_id: str, username: str, count: int, prefix: str) -> list:
    """`count` single-leg prop bets of one new capper of the tenant (manual legs: no game needed)."""
    capper = capper_create(tenant=tenant, actor=actor, discord_user_id=discord_user_id, username=username)
    bets = []
    for index in range(count):
        leg = LegInput(market="prop", selection=f"over {index}.5", odds=110 + index, description="points")
        bet, _ = bet_place(
            tenant=tenant,
            actor=actor,
            external_id=f"{prefix}-{index}",
            capper=capper,
            stake_units=Decimal("1.00"),
            legs=[leg],
        )
        bets.append(bet)
    return bets
