"""Realistic graded legs in PostgreSQL for the predictive-model tests, through the betting services.

Prices and outcomes come from apps/ml/predictive/simulation.py; games, bets and settlements go through
game_upsert, bet_place and bet_settle. Settlement stamps `graded_at` with the current time, so history
is replayed by moving each leg's `graded_at` to its game's end afterwards (three hours after the start),
as it would have been had the results arrived then.
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from apps.betting.models import BetLeg
from apps.betting.services import bet_place, capper_create, game_upsert
from apps.betting.services.bets import LegInput
from apps.betting.services.settlement import bet_settle
from apps.ml.predictive.simulation import LEAGUES, simulate


def place_simulated_legs(tenant, actor, *, legs: int = 240, cappers: int = 8, days: float = 60, seed: int = 1):
    """Single-leg bets of simulated cappers, placed and graded in the past. Returns (simulation, cappers,
    leg rows in simulation order)."""
    start = (timezone.now() - timedelta(days=days + 2)).timestamp()
    sim = simulate(legs=legs, cappers=cappers, start=start, days=days, seed=seed)
    capper_rows = [
        capper_create(tenant=tenant, actor=actor, discord_user_id=f"5{seed:03d}{index:014d}", username=f"sim{index}")
        for index in range(cappers)
    ]
    placed_legs = []
    for i in range(len(sim)):
        game, _ = game_upsert(
            actor=actor, external_id=f"sim-{seed}-{i}", sport=LEAGUES[sim.league[i]][0], league=sim.league[i],
            home_team=f"Home {i % 30}", away_team=f"Away {i % 30}",
            starts_at=datetime.fromtimestamp(int(sim.starts[i]), tz=UTC),
        )  # fmt: skip
        line = None if sim.line[i] != sim.line[i] else Decimal(str(sim.line[i]))
        bet, _ = bet_place(
            tenant=tenant, actor=actor, external_id=f"sim-{seed}-{i}", capper=capper_rows[sim.capper[i]],
            stake_units=Decimal("1.00"),
            legs=[LegInput(market=str(sim.market[i]), selection=str(sim.selection[i]), odds=int(sim.odds[i]),
                           game=game.external_id, line=line)],
            placed_at=datetime.fromtimestamp(int(sim.placed[i]), tz=UTC),
        )  # fmt: skip
        bet_settle(bet=bet, actor=actor, result="won" if sim.won[i] else "lost")
        leg = bet.legs.get()
        leg.graded_at = datetime.fromtimestamp(int(sim.graded[i]), tz=UTC)
        placed_legs.append(leg)
    BetLeg.objects.bulk_update(placed_legs, ["graded_at"])
    return sim, capper_rows, placed_legs


def recording_progress():
    """A progress callback that keeps what it was told: (calls list, callback)."""
    calls: list[tuple[float, str]] = []
    return calls, lambda fraction, line: calls.append((fraction, line))
