"""`manage.py seed_demo`: requested sizes, determinism by seed, stakes in bounds, a ledger that adds up."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count, F, Q, Sum

from apps.audit.models import AuditEvent
from apps.betting.choices import FINAL_BET_STATUSES, BetStatus, LegResult, Market
from apps.betting.models import Bet, BetLeg, Capper, Game, LedgerEntry
from apps.tenants.models import Tenant

pytestmark = pytest.mark.django_db


def _seed(**options) -> str:
    output = StringIO()
    call_command("seed_demo", no_progress=True, stdout=output, stderr=StringIO(), **options)
    return output.getvalue()


def _figures() -> dict:
    """What a seed determines, without ids or dates: results, units, per-capper records, markets."""
    bets = Bet.objects.all()
    return {
        "by_status": sorted(
            bets.values_list("status").annotate(count=Count("id"), net=Sum("net_units"), staked=Sum("stake_units"))
        ),
        "ledger": LedgerEntry.objects.aggregate(units=Sum("units"), staked=Sum("staked_units"), count=Count("id")),
        "per_capper": sorted(
            LedgerEntry.objects.values_list("tenant__guild_id", "capper__display_name").annotate(
                units=Sum("units"), won=Sum("record_sign", filter=Q(result=LegResult.WON))
            )
        ),
        "legs": sorted(BetLeg.objects.values_list("market", "selection", "line", "odds").annotate(count=Count("id")))[
            :200
        ],
        "scores": sorted(Game.objects.filter(status="final").values_list("external_id", "home_score", "away_score")),
    }


class _Discard(Exception):
    def __init__(self, figures: dict) -> None:
        self.figures = figures


def _figures_of(seed: int) -> dict:
    """Seed inside a savepoint, read the figures, roll it all back (the next run starts from the same state)."""
    try:
        with transaction.atomic():
            _seed(tenants=2, bets=150, seed=seed)
            raise _Discard(_figures())
    except _Discard as discard:
        return discard.figures


def test_seed_demo_creates_the_requested_sizes_with_stakes_in_bounds_and_a_consistent_ledger():
    output = _seed(tenants=3, bets=400, seed=11)

    assert output.startswith("Demo data: 3 tenants")
    tenants = Tenant.objects.filter(settings__demo=True)
    assert tenants.count() == 3
    assert sorted(tenants.values_list("guild_id", flat=True)) == [
        "100000000000000001",
        "100000000000000002",
        "100000000000000003",
    ]
    assert Bet.objects.count() == 400
    assert Capper.objects.filter(tenant__in=tenants).count() >= 9
    out_of_bounds = Bet.objects.filter(
        Q(stake_units__lt=F("tenant__unit_min")) | Q(stake_units__gt=F("tenant__unit_max"))
    )
    assert out_of_bounds.count() == 0
    assert set(Bet.objects.values_list("leg_count", flat=True)) <= {1, 2, 3, 4}
    assert Bet.objects.filter(leg_count=1).count() > Bet.objects.filter(leg_count__gt=1).count() > 0
    assert BetLeg.objects.filter(market=Market.SPREAD, line__endswith=".50").exists()  # half lines
    assert BetLeg.objects.filter(market=Market.SPREAD, line__endswith=".00").exists()  # and whole lines
    assert not BetLeg.objects.filter(odds__gt=-100, odds__lt=100).exists()
    settled = Bet.objects.filter(status__in=FINAL_BET_STATUSES)
    assert settled.count() > 0.8 * 400  # most of them, by auto-grading the finished games
    assert set(settled.values_list("settlement_source", flat=True)) == {"auto"}
    assert not Bet.objects.filter(placed_at__gte=F("legs__game__starts_at")).exists()
    # the ledger: one settle entry per settled bet, summing to the bet's net units; nothing for open bets
    mismatched = settled.annotate(ledger=Sum("ledger_entries__units")).exclude(ledger=F("net_units"))
    assert mismatched.count() == 0
    assert LedgerEntry.objects.count() == settled.count()
    assert not LedgerEntry.objects.filter(bet__status__in=[BetStatus.PENDING, BetStatus.LIVE]).exists()
    totals = settled.aggregate(net=Sum("net_units"))["net"]
    assert LedgerEntry.objects.aggregate(units=Sum("units"))["units"] == totals
    assert AuditEvent.objects.filter(action="betting.demo_seeded").count() == 1  # one per run, not per bet


def test_the_same_seed_gives_the_same_figures_and_another_seed_different_ones():
    first, second, other = _figures_of(5), _figures_of(5), _figures_of(6)

    assert first == second
    assert first["ledger"]["count"] > 100
    assert first["ledger"]["units"] != Decimal(0)
    assert other["ledger"] != first["ledger"]


def test_no_arguments_twice_creates_the_small_set_once():
    first = _seed()
    counts = (Tenant.objects.count(), Capper.objects.count(), Game.objects.count(), Bet.objects.count())
    ledger = LedgerEntry.objects.aggregate(units=Sum("units"), count=Count("id"))

    second = _seed()

    assert first.startswith("Demo data: 2 tenants") and "300 bets" in first
    assert second == "Demo data: already present, nothing created.\n"
    assert (Tenant.objects.count(), Capper.objects.count(), Game.objects.count(), Bet.objects.count()) == counts
    assert counts[0] == 2 and counts[3] == 300
    assert LedgerEntry.objects.aggregate(units=Sum("units"), count=Count("id")) == ledger
    assert AuditEvent.objects.filter(action="betting.demo_seeded").count() == 1


def _foreign_keys_and_indexes() -> list[tuple]:
    tables = ["betting_bet", "betting_betleg", "betting_ledgerentry"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s) ORDER BY 1, 2",
            [tables],
        )
        foreign_keys = cursor.fetchall()
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) ORDER BY 1", [tables])
        return foreign_keys + cursor.fetchall()


def test_the_seed_leaves_the_foreign_keys_and_indexes_it_builds_once_as_they_were():
    before = _foreign_keys_and_indexes()

    _seed(tenants=1, bets=50, seed=3)

    assert len(before) > 20  # 7 foreign keys, the indexes of three tables
    assert _foreign_keys_and_indexes() == before
    assert LedgerEntry.objects.count() > 0
