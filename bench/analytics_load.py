"""bench-analytics's database and its write-side figures: the seeded database (reused when it holds
the requested demo set), what rollup maintenance adds to placing and auto-grading bets, and the shipped
dashboards rendered server-side (bench/analytics_dashboards.py).

The overhead is measured by doing the same work with the analytics receivers of the betting signals
connected and disconnected (nothing else changes: "off" only skips the upkeep), alternating the order
each round (on, off, off, on, …) over many short rounds so that the machine's changing load hits both
alike. Two figures, kept apart: the changes themselves (each `bet_place` call, the `games_grade` call:
what a request or the grading job waits for; with the rollups on they queue their bets) and the refresh
of the queue afterwards (what the outbox-enqueued task and beat run in a worker, not in the request),
also reported added to the changes' time as the whole work the upkeep costs.
"""

import os
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path

import psycopg

PLACEMENTS = int(os.environ.get("BENCH_PLACEMENTS", "100"))  # per round
GRADE_GAMES = int(os.environ.get("BENCH_GRADE_GAMES", "10"))
GRADE_BETS = int(os.environ.get("BENCH_GRADE_BETS", "500"))  # pending single bets per game
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "16"))  # placement rounds of each side
GRADE_ROUNDS = int(os.environ.get("BENCH_GRADE_ROUNDS", "6"))
# the bets this bench adds to a demo tenant: not counted as demo bets when the database is reused
BENCH_PREFIX = "bench-"

# the analytics receivers (apps/analytics/receivers.py): (signal name, dispatch uid, receiver name)
RECEIVERS = (
    ("bet_placed", "analytics.rollups_bet_placed", "queue_placed_bet"),
    ("bets_imported", "analytics.rollups_bets_imported", "queue_imported_bets"),
    ("bet_settled", "analytics.rollups_bet_settled", "queue_settled_bet"),
    ("bets_graded", "analytics.rollups_bets_graded", "queue_graded_bets"),
    ("bet_voided", "analytics.rollups_bet_voided", "queue_voided_bet"),
    ("game_finalized", "analytics.rollups_game_finalized", "queue_bets_timed_by_game"),
    ("game_updated", "analytics.rollups_game_updated", "queue_bets_of_moved_game"),
)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


# ---- the database ------------------------------------------------------------------------------------


def prepare(*, database: str, server_url: str, bets: int, tenants: int) -> dict:
    """The bench database, migrated and seeded with `bets` demo bets (re-created if it holds another
    size), every demo tenant's rollups built."""
    import django
    from django.core.management import call_command
    from django.db import connections

    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as server:
        if not server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone():
            server.execute(f'CREATE DATABASE "{database}"')
    django.setup()
    notes = []
    count = _demo_bet_count()
    if count not in (-1, 0, bets):
        print(f"{database} holds {count} demo bets, not {bets}: re-creating it")
        connections.close_all()
        with psycopg.connect(f"{server_url}/postgres", autocommit=True) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            server.execute(f'CREATE DATABASE "{database}"')
        # the connection pool still holds connections the drop terminated: start again in a fresh process
        os.execv(sys.executable, [sys.executable, *sys.argv])  # noqa: S606 - this same script, again
    call_command("migrate", verbosity=0)
    if count != bets:
        started, out = time.monotonic(), StringIO()
        call_command("seed_demo", tenants=tenants, bets=bets, seed=1, no_progress=True, stdout=out)
        notes.append(f"seed_demo --tenants {tenants} --bets {bets}: {time.monotonic() - started:.0f} s wall-clock")
        notes.append(out.getvalue().strip())
    notes += _build_missing_rollups()
    started = time.monotonic()
    _vacuum()
    notes.append(
        f"VACUUM ANALYZE of the bet, ledger, outbox and rollup tables first ({time.monotonic() - started:.0f} s; "
        "autovacuum is off on this machine), and of the outbox and the queue before each overhead round"
    )
    from apps.analytics.models import DailyRollup, HourlyRollup
    from apps.betting.models import Bet

    rows = DailyRollup.objects.count() + HourlyRollup.objects.count()  # the summaries of the days not counted
    return {"bets": Bet.objects.count(), "rollup_rows": rows, "notes": notes}


VACUUMED = (
    "betting_bet, betting_betleg, betting_ledgerentry, core_outboxmessage, analytics_dailyrollup, "
    "analytics_hourlyrollup, analytics_tenantdayrollup, analytics_capperdayrollup, analytics_marketdayrollup, "
    "analytics_rollupstate, analytics_rollupdirtybet"
)


def _vacuum(tables: str = VACUUMED) -> None:
    """VACUUM ANALYZE: autovacuum is off on the bench machines, and the seed's grading, a rebuild, the queue
    and the outbox leave dead rows behind (what autovacuum clears within a minute elsewhere: 25,000 dead
    outbox rows made asking it whether a refresh waits take 28 ms instead of a fraction of one)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {tables}")


def _demo_bet_count() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('betting_bet') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return -1
        cursor.execute(
            "SELECT count(*) FROM betting_bet b JOIN tenants_tenant t ON t.id = b.tenant_id "
            "WHERE t.settings @> '{\"demo\": true}' AND b.external_id NOT LIKE %s",
            [f"{BENCH_PREFIX}%"],
        )
        return cursor.fetchone()[0]


def _build_missing_rollups() -> list[str]:
    """Rollups of demo tenants seeded before the rollups existed (or whose build was interrupted)."""
    from apps.analytics.services.rollups import rollups_rebuild
    from apps.core.actors import Actor
    from apps.tenants.models import Tenant

    unbuilt = list(Tenant.objects.filter(settings__demo=True).exclude(rollup_state__built_at__isnull=False))
    if not unbuilt:
        return []
    started, rows = time.monotonic(), 0
    for tenant in unbuilt:
        outcome = rollups_rebuild(tenant=tenant, actor=Actor.system("bench-analytics"))
        rows += outcome.daily_rows + outcome.hourly_rows
    return [f"rollups of {len(unbuilt)} tenants built: {rows:,} rows in {time.monotonic() - started:.1f} s"]


# ---- the overhead of keeping the rollups -----------------------------------------------------------------


@contextmanager
def analytics_receivers(*, connected: bool):
    """The analytics receivers of the betting signals connected (as they are) or disconnected for the block."""
    from apps.analytics import receivers
    from apps.betting import signals

    if not connected:
        for signal_name, uid, _ in RECEIVERS:
            getattr(signals, signal_name).disconnect(dispatch_uid=uid)
    try:
        yield
    finally:
        if not connected:
            for signal_name, uid, name in RECEIVERS:
                getattr(signals, signal_name).connect(getattr(receivers, name), dispatch_uid=uid)


def _busy_tenant():
    """The demo tenant with the most bets and no open-bet quota (placements are not refused)."""
    from django.db.models import Count

    from apps.betting.models import Capper
    from apps.tenants.models import Tenant

    tenant = (
        Tenant.objects.filter(settings__demo=True, plan_code="enterprise")
        .annotate(bet_count=Count("bets"))
        .order_by("-bet_count")
        .first()
    )
    return tenant, list(Capper.objects.filter(tenant=tenant).order_by("pk"))


def cpu_seconds() -> float:
    """CPU time of this process and of its PostgreSQL backend (Linux /proc): steadier than wall-clock time
    on a machine other jobs share."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return time.process_time() + (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rounds(run, rounds: int) -> dict:
    """Alternate on and off over `rounds` rounds each (on, off, off, on, …) after one warm-up of each.

    `run(connected=…, tag=…)` returns a Round. No worker runs here, so the tasks the changes enqueue would
    pile up in the outbox: its pending rows are removed before each round, as workers would have run them
    (where workers run, the outbox holds a handful, not thousands).
    """
    from apps.core.models import OutboxMessage

    def run_round(*, connected: bool, tag: str) -> Round:
        OutboxMessage.objects.filter(completed_at=None).delete()
        _vacuum("core_outboxmessage, analytics_rollupdirtybet")
        return run(connected=connected, tag=tag)

    for connected in (True, False):
        run_round(connected=connected, tag=f"warm{int(connected)}")
    done: dict[bool, list[Round]] = {True: [], False: []}
    for number in range(rounds):
        for connected in (True, False) if number % 2 == 0 else (False, True):
            done[connected].append(run_round(connected=connected, tag=f"r{number}{int(connected)}"))
    on, off = done[True], done[False]
    calls_on = [call for one in on for call in one.calls]
    calls_off = [call for one in off for call in one.calls]
    figures = {
        "on": sum(one.seconds for one in on),
        "off": sum(one.seconds for one in off),
        "refresh": sum(one.refresh for one in on),
        "cpu_on": sum(one.cpu for one in on),
        "cpu_off": sum(one.cpu for one in off),
        "cpu_refresh": sum(one.cpu_refresh for one in on),
        "calls": len(calls_on),
        "median_on": percentile(calls_on, 0.5) if calls_on else None,
        "median_off": percentile(calls_off, 0.5) if calls_off else None,
        "rounds_on": [round(one.seconds, 3) for one in on],
        "rounds_off": [round(one.seconds, 3) for one in off],
    }
    figures["overhead"] = (figures["on"] - figures["off"]) / figures["off"]
    figures["overhead_with_refresh"] = (figures["on"] + figures["refresh"] - figures["off"]) / figures["off"]
    figures["cpu_overhead"] = (figures["cpu_on"] - figures["cpu_off"]) / figures["cpu_off"]
    figures["cpu_overhead_with_refresh"] = (figures["cpu_on"] + figures["cpu_refresh"] - figures["cpu_off"]) / figures[
        "cpu_off"
    ]
    return figures


@dataclass
class Round:
    seconds: float  # the changes themselves (wall-clock)
    cpu: float  # their CPU seconds (this process and its PostgreSQL backend)
    refresh: float = 0.0  # the refresh of the queue afterwards (on only)
    cpu_refresh: float = 0.0
    calls: list[float] = field(default_factory=list)  # milliseconds of each change (placements)


def _refresh_timed(connected: bool) -> tuple[float, float]:
    """The refresh of what the round queued, timed (wall-clock, CPU); nothing when the upkeep is off."""
    from apps.analytics.services.rollups import rollups_refresh

    if not connected:
        return 0.0, 0.0
    started, cpu = time.perf_counter(), cpu_seconds()
    rollups_refresh()
    return time.perf_counter() - started, cpu_seconds() - cpu


def rebuild_busy_tenant() -> str:
    """The changes made with the receivers disconnected were never queued: the tenant's rollups are
    rebuilt (and timed) so that what follows (analytics_verify) and the next run see them whole."""
    from apps.analytics.services.rollups import rollups_analyze, rollups_rebuild
    from apps.core.actors import Actor

    tenant, _ = _busy_tenant()
    outcome = rollups_rebuild(tenant=tenant, actor=Actor.system("bench-analytics"))
    rollups_analyze()
    return (
        f"after the overhead rounds, the rollups of {tenant.name} ({tenant.bets.count():,} bets) were rebuilt in "
        f"{outcome.seconds:.1f} s ({outcome.daily_rows:,} daily and {outcome.hourly_rows:,} hourly rows)"
    )


def overhead_placement(rng) -> dict:
    """PLACEMENTS single bets per round through `bet_place` (each its own transaction, tasks published
    after commit), each call timed; then, with the receivers on, the refresh of what they queued."""
    from apps.betting.models import Game
    from apps.betting.services import bet_place
    from apps.betting.services.bets import LegInput
    from apps.core.actors import Actor

    actor = Actor.system("bench-analytics")
    tenant, cappers = _busy_tenant()
    games = list(Game.objects.filter(status="scheduled", starts_at__gt=datetime.now(UTC))[:40])
    stamp = f"{datetime.now(UTC):%H%M%S}"

    def run(*, connected: bool, tag: str) -> Round:
        calls = []
        with analytics_receivers(connected=connected):
            cpu = cpu_seconds()
            for number in range(PLACEMENTS):
                game = rng.choice(games)
                started = time.perf_counter()
                bet_place(
                    tenant=tenant,
                    actor=actor,
                    external_id=f"{BENCH_PREFIX}p{stamp}{tag}n{number}",
                    capper=rng.choice(cappers),
                    stake_units=max(Decimal(1), tenant.unit_min),
                    legs=[LegInput("moneyline", rng.choice(["home", "away"]), -110, game.external_id)],
                )
                calls.append((time.perf_counter() - started) * 1000)
            cpu = cpu_seconds() - cpu
            refresh, cpu_refresh = _refresh_timed(connected)
        return Round(sum(calls) / 1000, cpu, refresh, cpu_refresh, calls)

    figures = _rounds(run, ROUNDS)
    figures["what"] = f"{PLACEMENTS} placements through bet_place per round, {ROUNDS} rounds each"
    return figures


def overhead_grading(rng) -> dict:
    """`games_grade` of GRADE_GAMES final games with GRADE_BETS pending single bets each (written in bulk
    beforehand, not timed), then, with the receivers on, the refresh of the queue (empty when the pass's
    delta was applied in its transaction; otherwise it recomputes the tenant-day the bets were placed on)."""
    from django.db import connection, transaction

    from apps.analytics.services.rollup_deltas import rollups_add_placed
    from apps.betting.models import Bet, BetLeg, Game
    from apps.betting.services import game_upsert, games_grade
    from apps.core.actors import Actor
    from apps.demo.bets import BET_COLUMNS, LEG_COLUMNS
    from apps.demo.loading import write_rows

    actor = Actor.system("bench-analytics")
    tenant, cappers = _busy_tenant()

    days_back = iter(range(20, 200))

    def slate(tag: str, *, counted: bool) -> list[int]:
        """GRADE_GAMES final games with GRADE_BETS bets each, placed on a day of the season no other round
        used (as busy as the demo made it). Written in bulk, so no placement signal: with the upkeep on
        (`counted`), the bets are added to the rollups as their placements would have added them (not
        timed), and grading then changes cells that hold them."""
        now = datetime.now(UTC)
        placed_day = now - timedelta(days=next(days_back))
        games = [
            game_upsert(
                actor=actor, external_id=f"ag{now:%H%M%S}{tag}g{number}", sport="basketball", league="nba",
                home_team=f"Bench Home {number}", away_team=f"Bench Away {number}", starts_at=now - timedelta(hours=3),
            )[0]
            for number in range(GRADE_GAMES)
        ]  # fmt: skip
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("LOCK TABLE betting_bet, betting_betleg IN EXCLUSIVE MODE")
                cursor.execute("SELECT coalesce(max(id), 0) FROM betting_bet")
                bet_id = cursor.fetchone()[0]
                cursor.execute("SELECT coalesce(max(id), 0) FROM betting_betleg")
                leg_id = cursor.fetchone()[0]
            bets, legs = [], []
            for game in games:
                for number in range(GRADE_BETS):
                    bet_id, leg_id = bet_id + 1, leg_id + 1
                    placed = placed_day - timedelta(seconds=number)
                    bets.append(
                        (bet_id, tenant.pk, rng.choice(cappers).pk, f"{BENCH_PREFIX}g{tag}{game.pk}n{number}",
                         Decimal(1), "pending", 1, -110, Decimal("1.909091"), Decimal("0.9091"), None, placed, placed,
                         None, "", "", False, "", placed, placed)
                    )  # fmt: skip
                    legs.append(
                        (leg_id, bet_id, 1, game.pk, "", "moneyline", rng.choice(["home", "away"]), None, -110, "",
                         "pending", None, "")
                    )  # fmt: skip
            write_rows(Bet, BET_COLUMNS, bets)
            write_rows(BetLeg, LEG_COLUMNS, legs)
            with connection.cursor() as cursor:
                for table in ("betting_bet", "betting_betleg"):
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
                    )
            Game.objects.filter(pk__in=[game.pk for game in games]).update(
                status="final", home_score=101, away_score=99, finalized_at=now
            )
        if counted:
            left = rollups_add_placed(bets=[(row[0], tenant.pk) for row in bets])
            assert not left, "the slate's bets could not be added to the rollups"
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE betting_bet, betting_betleg")
        return [game.pk for game in games]

    def run(*, connected: bool, tag: str) -> Round:
        game_ids = slate(tag, counted=connected)
        with analytics_receivers(connected=connected):
            started, cpu = time.perf_counter(), cpu_seconds()
            outcome = games_grade(game_ids=game_ids, actor=actor)
            seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
            refresh, cpu_refresh = _refresh_timed(connected)
        assert outcome.bets_settled == GRADE_GAMES * GRADE_BETS, outcome
        return Round(seconds, cpu, refresh, cpu_refresh)

    figures = _rounds(run, GRADE_ROUNDS)
    figures["what"] = f"games_grade of {GRADE_GAMES} games x {GRADE_BETS} bets, {GRADE_ROUNDS} rounds each"
    return figures
