"""Writing the planted integrity scenarios (`seed_demo --fraud`) into a seeded demo set.

Cappers and their bets are written in bulk like the rest of the demo (one transaction, one audit
event); hand settlements go through `bet_settle` as a bot or a capper would make them, and the games
the planted bets are on are graded again through `game_grade` (which settles the rest and flags the
hand settlements their scores contradict). Returns the scenarios: the truth a benchmark scores against.
"""

import itertools
import random
from datetime import timedelta
from decimal import Decimal

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from apps.accounts.models import Member
from apps.audit.services import audit_record
from apps.betting.choices import BetStatus, GameStatus, LegResult, SettlementSource
from apps.betting.models import Bet, BetLeg, Capper, Game
from apps.betting.odds import american_to_decimal, net_units
from apps.betting.services import bet_settle, games_grade
from apps.core.actors import Actor
from apps.demo.bets import BET_COLUMNS, LEG_COLUMNS, _snowflake
from apps.demo.fraud_scenarios import GameRow, PlannedBet, Planner, Scenario, plan_scenarios
from apps.demo.loading import write_rows
from apps.demo.world import DEMO_GAME_PREFIX, DEMO_MEMBER_BASE
from apps.tenants.models import Tenant

PLANTED_MARK = 90_000  # planted cappers' Discord ids: member base + (tenant + 1) * 100,000 + 90,000 + n


class FraudPlantingError(Exception):
    """Planting needs a demo set (and plants once)."""


def planted_present(tenants: list[Tenant]) -> bool:
    first = str(DEMO_MEMBER_BASE + 100_000 + PLANTED_MARK + 1)
    return Member.objects.filter(tenant__in=tenants, discord_user_id=first).exists()


def plant_fraud(*, seed: int, actor: Actor) -> list[Scenario]:
    """Plant every fraud kind and the hard negatives among the demo set's cappers (same seed, same plan)."""
    tenants = list(Tenant.objects.filter(settings__demo=True).order_by("guild_id"))
    if not tenants:
        raise FraudPlantingError("Seed the demo set first (manage.py seed_demo).")
    if planted_present(tenants):
        raise FraudPlantingError("The fraud scenarios are already planted in this demo set.")
    now = timezone.now()
    games = Game.objects.filter(external_id__startswith=DEMO_GAME_PREFIX)
    final = [
        GameRow(*row)
        for row in games.filter(status=GameStatus.FINAL)
        .order_by("starts_at", "id")
        .values_list("id", "starts_at", "home_score", "away_score")
    ]
    upcoming = [
        GameRow(*row, None, None)
        for row in games.filter(status=GameStatus.SCHEDULED, starts_at__gt=now + timedelta(hours=2))
        .order_by("starts_at", "id")
        .values_list("id", "starts_at")
    ]
    rng = random.Random(seed * 7919 + 13)  # noqa: S311 - demo data must be reproducible, not secret
    planner = Planner(rng=rng, final=final, upcoming=upcoming, tenant_count=len(tenants), now=now,
                      member_base=DEMO_MEMBER_BASE)  # fmt: skip
    plan = plan_scenarios(planner)
    with transaction.atomic():
        cappers = _create_cappers(tenants, plan.scenarios)
        hand_settled = _insert_bets(plan.bets, cappers)
        audit_record(
            actor=actor,
            action="betting.demo_fraud_planted",
            changes={
                "scenarios": {"before": 0, "after": len(plan.scenarios)},
                "cappers": {"before": 0, "after": len(cappers)},
                "bets": {"before": 0, "after": len(plan.bets)},
            },
            reason=f"manage.py seed_demo --fraud --seed {seed}",
        )
    for bet_id, planned in hand_settled:
        bet = Bet.objects.get(pk=bet_id)
        leg = bet.legs.get()
        bet_settle(bet=bet, actor=actor, leg_results={leg.pk: planned.hand_settle},
                   settled_by=planned.settled_by or planned.capper, source=SettlementSource.API)  # fmt: skip
    # set-based, as the demo's own grading (the same legs, bets, ledger and per-game audit as game_grade one by one)
    games_grade(game_ids=sorted({planned.game.id for planned in plan.bets if planned.game.home_score is not None}),
                actor=actor)  # fmt: skip
    return plan.scenarios


def _create_cappers(tenants: list[Tenant], scenarios: list[Scenario]) -> dict[str, Capper]:
    members = [
        Member(tenant=tenants[index], discord_user_id=user_id, username=f"planted_{user_id[-6:]}")
        for scenario in scenarios
        for index, user_id in scenario.cappers
    ]
    Member.objects.bulk_create(members)
    cappers = Capper.objects.bulk_create(
        Capper(tenant_id=member.tenant_id, member=member, display_name=f"Planted {member.discord_user_id[-6:]}")
        for member in members
    )
    return {capper.member.discord_user_id: capper for capper in cappers}


def _stake(tenant: Tenant, planned: PlannedBet) -> Decimal:
    if planned.stake_at_max:
        return tenant.unit_max
    unit = min(max(Decimal(1), tenant.unit_min), tenant.unit_max)
    return min(max((unit * planned.stake_multiple).quantize(Decimal("0.01")), tenant.unit_min), tenant.unit_max)


def _insert_bets(planned_bets: list[PlannedBet], cappers: dict[str, Capper]) -> list[tuple[int, PlannedBet]]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {Bet._meta.db_table}, {BetLeg._meta.db_table} IN EXCLUSIVE MODE")
    tenants = {tenant.pk: tenant for tenant in Tenant.objects.filter(pk__in={c.tenant_id for c in cappers.values()})}
    bet_ids = itertools.count((Bet.objects.aggregate(last=models.Max("id"))["last"] or 0) + 1)
    leg_ids = itertools.count((BetLeg.objects.aggregate(last=models.Max("id"))["last"] or 0) + 1)
    bets, legs, hand_settled = [], [], []
    for counter, planned in enumerate(sorted(planned_bets, key=lambda bet: bet.placed_at)):
        capper = cappers[planned.capper]
        bet_id, stake = next(bet_ids), _stake(tenants[capper.tenant_id], planned)
        decimal_odds = american_to_decimal(planned.odds).quantize(Decimal("0.000001"))
        profit = net_units(stake, [(planned.odds, LegResult.WON)])
        placed_at = planned.placed_at.replace(microsecond=0)
        bets.append(
            (
                bet_id, capper.tenant_id, capper.pk, _snowflake(placed_at, 3_000_000 + counter), stake,
                BetStatus.PENDING.value, 1, planned.odds, decimal_odds, profit, None, placed_at, placed_at, None, "",
                "", False, "", placed_at, placed_at,
            )
        )  # fmt: skip
        legs.append(
            (
                next(leg_ids), bet_id, 1, planned.game.id, "", str(planned.market), str(planned.selection),
                planned.line, planned.odds, "", LegResult.PENDING.value, None, "",
            )
        )  # fmt: skip
        if planned.hand_settle:
            hand_settled.append((bet_id, planned))
    write_rows(Bet, BET_COLUMNS, bets)
    write_rows(BetLeg, LEG_COLUMNS, legs)
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [Bet, BetLeg]):
            cursor.execute(statement)
    return hand_settled
