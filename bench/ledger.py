"""`make bench-ledger`: the ledger's performance targets on PostgreSQL with a seeded demo database.

Measures, on a dedicated database (BENCH_DATABASE, default dbsbm_bench; created and seeded with
BENCH_BETS demo bets, default 1,000,000, unless it already holds that many):

* capper_record and leaderboard for a month: p50/p95 over BENCH_RUNS calls (random cappers, tenants,
  months), straight from the database (the selectors' uncached functions);
* auto-grading one game with 10,000 pending legs (created in bulk first) with `game_grade`;
* bet ingest through the real API: uvicorn with the full configuration on a free port, several
  client processes posting batches of BENCH_INGEST_BATCH bets to POST .../bets/bulk/ with a tenant
  key for BENCH_INGEST_SECONDS (the bot's burst path; one bet per request pays a whole request's
  fixed cost for about a millisecond of SQL).

Each figure is printed beside its target and beside the database's own cost of the same statements
(EXPLAIN ANALYZE execution time, replayed in a transaction that is rolled back).
"""

import json
import multiprocessing
import os
import random
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

SERVER_URL = os.environ.get("BENCH_SERVER_URL", "postgres://postgres@127.0.0.1:5432")
DATABASE = os.environ.get("BENCH_DATABASE", "dbsbm_bench")
BETS = int(os.environ.get("BENCH_BETS", "1000000"))
TENANTS = int(os.environ.get("BENCH_TENANTS", "10"))
RUNS = int(os.environ.get("BENCH_RUNS", "200"))
GRADE_LEGS = int(os.environ.get("BENCH_GRADE_LEGS", "10000"))
INGEST_SECONDS = float(os.environ.get("BENCH_INGEST_SECONDS", "10"))
INGEST_BATCH = int(os.environ.get("BENCH_INGEST_BATCH", "100"))  # bets per POST .../bets/bulk/
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
WORKERS = int(os.environ.get("BENCH_WEB_WORKERS", "2"))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
BENCH_GUILD = "199999999999999999"

os.environ.update(
    DATABASE_URL=f"{SERVER_URL}/{DATABASE}", REDIS_URL=REDIS_URL, DJANGO_SETTINGS_MODULE="dbsbm.settings.local"
)
os.environ["DJANGO_DEBUG"] = "false"
# the ingest figure is the capacity of the write path; per-key and per-capper rate limits would cap it
os.environ.setdefault("RATELIMIT_ENABLED", "false")


def ensure_database() -> None:
    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone():
            connection.execute(f'CREATE DATABASE "{DATABASE}"')


def drop_database() -> None:
    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{DATABASE}"')


def demo_bet_count() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('betting_bet') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return -1
        cursor.execute(
            "SELECT count(*) FROM betting_bet b JOIN tenants_tenant t ON t.id = b.tenant_id "
            "WHERE t.settings @> '{\"demo\": true}'"
        )
        return cursor.fetchone()[0]


def prepare() -> None:
    """The bench database, migrated and seeded to BENCH_BETS demo bets (re-created if it holds another size)."""
    import django
    from django.core.management import call_command
    from django.db import connections

    ensure_database()
    django.setup()
    count = demo_bet_count()
    if count not in (-1, 0, BETS):
        connections.close_all()
        print(f"{DATABASE} holds {count} demo bets, not {BETS}: re-creating it")
        drop_database()
        count = -1
    call_command("migrate", verbosity=0)
    if count != BETS:
        print(f"seeding {DATABASE} with {BETS} bets over {TENANTS} tenants …")
        started = time.monotonic()
        call_command("seed_demo", tenants=TENANTS, bets=BETS, seed=1)
        print(f"seeded in {time.monotonic() - started:.0f} s")


# ---- measuring ------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def explain_total(queries: list[dict]) -> float:
    """EXPLAIN ANALYZE execution time (ms) of the captured statements, replayed and rolled back."""
    from django.db import connection, transaction

    total = 0.0

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for query in queries:
                sql = query["sql"]
                if not sql.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")):
                    continue
                cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
                plan = cursor.fetchone()[0]
                plan = json.loads(plan) if isinstance(plan, str) else plan
                total += plan[0]["Execution Time"]
            raise Rollback
    except Rollback:
        pass
    return total


def timed_calls(name: str, samples: list, call) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    durations, explained = [], []
    for sample in samples[: min(10, len(samples))]:  # warm up connections and caches
        call(sample)
    for sample in samples:
        started = time.perf_counter()
        call(sample)
        durations.append((time.perf_counter() - started) * 1000)
    for sample in samples:
        with CaptureQueriesContext(connection) as captured:
            call(sample)
        explained.append(explain_total(captured.captured_queries))
    return {
        "name": name,
        "p50": percentile(durations, 0.5),
        "p95": percentile(durations, 0.95),
        "explain_p50": percentile(explained, 0.5),
        "explain_p95": percentile(explained, 0.95),
        "queries": len(captured.captured_queries),
    }


def bench_reads(rng: random.Random) -> list[dict]:
    from apps.betting import selectors
    from apps.betting.models import Capper
    from apps.tenants.models import Tenant

    tenants = list(Tenant.objects.filter(settings__demo=True).order_by("pk"))
    cappers = list(Capper.objects.filter(tenant__in=tenants).select_related("tenant"))
    today = datetime.now(UTC)
    months = sorted({(today - timedelta(days=30 * back)).strftime("%Y-%m") for back in range(6)})
    record_samples = [(capper.tenant, capper, rng.choice(months)) for capper in rng.choices(cappers, k=RUNS)]
    board_samples = [(tenant, rng.choice(months)) for tenant in rng.choices(tenants, k=RUNS)]
    # the selectors' uncached bodies: the figure is the database's answer, not the cache's
    return [
        timed_calls(
            "capper_record (month)",
            record_samples,
            lambda s: selectors._capper_record(tenant=s[0], capper=s[1], period=_period(s[0], s[2])),
        ),
        timed_calls(
            "leaderboard (month)",
            board_samples,
            lambda s: selectors._leaderboard(tenant=s[0], period=_period(s[0], s[1]), limit=50),
        ),
    ]


def _period(tenant, label: str):
    from apps.betting.periods import parse_period

    return parse_period(label, timezone_name=tenant.timezone)


def bench_tenant():
    """An enterprise tenant (no open-bet quota) with cappers and a tenant key, for grading and ingest."""
    from apps.accounts.services import api_key_create
    from apps.betting.models import Capper
    from apps.betting.services import capper_create
    from apps.core.actors import Actor
    from apps.tenants.models import Tenant
    from apps.tenants.services import tenant_create

    actor = Actor.system("bench")
    tenant = Tenant.objects.filter(guild_id=BENCH_GUILD).first()
    if tenant is None:
        tenant = tenant_create(
            actor=actor, guild_id=BENCH_GUILD, name="Bench Guild", plan_code="enterprise", timezone_name="UTC"
        )
        for number in range(1, 9):
            capper_create(
                tenant=tenant, actor=actor, discord_user_id=f"29999999999999{number:04d}", username=f"b{number}"
            )
    _, secret = api_key_create(actor=actor, name="bench ingest", scopes=["bets:write", "bets:read"], tenant=tenant)
    return tenant, list(Capper.objects.filter(tenant=tenant).select_related("member")), secret


def bench_grading(tenant, cappers, rng: random.Random) -> dict:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from apps.betting.models import Bet, BetLeg, Game
    from apps.betting.services import game_grade, game_upsert
    from apps.core.actors import Actor
    from apps.demo.bets import BET_COLUMNS, LEG_COLUMNS
    from apps.demo.loading import write_rows

    actor = Actor.system("bench")
    stamp = datetime.now(UTC)
    game, _ = game_upsert(
        actor=actor,
        external_id=f"bench-grade-{stamp:%Y%m%d%H%M%S%f}",
        sport="basketball",
        league="nba",
        home_team="Boston Celtics",
        away_team="New York Knicks",
        starts_at=stamp - timedelta(hours=3),
    )
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE betting_bet, betting_betleg IN EXCLUSIVE MODE")
            cursor.execute("SELECT coalesce(max(id), 0) FROM betting_bet")
            first_bet = cursor.fetchone()[0] + 1
            cursor.execute("SELECT coalesce(max(id), 0) FROM betting_betleg")
            first_leg = cursor.fetchone()[0] + 1
        bets, legs = [], []
        for number in range(GRADE_LEGS):
            market = rng.choice(["moneyline", "spread", "total"])
            selection = rng.choice(["over", "under"] if market == "total" else ["home", "away"])
            line = {"moneyline": None, "spread": Decimal("-4.5"), "total": Decimal("221.0")}[market]
            placed = stamp - timedelta(hours=4, seconds=number)
            bets.append(
                (first_bet + number, tenant.pk, rng.choice(cappers).pk, f"g{stamp:%H%M%S%f}{number}", Decimal(1),
                 "pending", 1, -110, Decimal("1.909091"), Decimal("0.9091"), None, placed, placed, None, "", "", False,
                 "", placed, placed)
            )  # fmt: skip
            legs.append(
                (first_leg + number, first_bet + number, 1, game.pk, "", market, selection, line, -110, "", "pending",
                 None, "")
            )  # fmt: skip
        write_rows(Bet, BET_COLUMNS, bets)
        write_rows(BetLeg, LEG_COLUMNS, legs)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('betting_bet', 'id'), (SELECT max(id) FROM betting_bet))"
            )
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('betting_betleg', 'id'), (SELECT max(id) FROM betting_betleg))"
            )
        Game.objects.filter(pk=game.pk).update(status="final", home_score=112, away_score=109, finalized_at=stamp)
    analyze()

    class Rollback(Exception):
        pass

    try:  # a dry run, rolled back: warms the caches and captures the statements for EXPLAIN
        with transaction.atomic(), CaptureQueriesContext(connection) as captured:
            game_grade(game_id=game.pk, actor=actor)
            raise Rollback
    except Rollback:
        pass
    explained = explain_total(captured.captured_queries)
    started = time.perf_counter()
    with transaction.atomic():  # its commit runs the after-commit receivers of bet_settled (other apps')
        outcome = game_grade(game_id=game.pk, actor=actor)
        elapsed = time.perf_counter() - started
    receivers = time.perf_counter() - started - elapsed
    assert outcome.legs_graded == GRADE_LEGS, outcome
    return {
        "seconds": elapsed,
        "receivers": receivers,
        "explain_ms": explained,
        "queries": len(captured.captured_queries),
        "outcome": outcome,
    }


# ---- ingest through the API --------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _client(args) -> tuple[int, int]:
    """One client process: THREADS keep-alive connections posting bets until the deadline."""
    import http.client
    import threading

    port, secret, guild, cappers, games, deadline, client_number = args
    counts = {"created": 0, "failed": 0}
    lock = threading.Lock()

    def post_loop(thread_number: int) -> None:
        rng = random.Random(client_number * 1000 + thread_number)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
        sequence = 0
        while time.time() < deadline:
            batch = []
            for _ in range(INGEST_BATCH):
                sequence += 1
                legs = [
                    {"game": game, "market": "spread", "selection": rng.choice(["home", "away"]), "line": "-3.5",
                     "odds": -110}
                    for game in rng.sample(games, rng.choice([1, 1, 1, 1, 2, 3]))
                ]  # fmt: skip
                batch.append(
                    {
                        "external_id": f"i{client_number}t{thread_number}s{sequence}x{int(deadline)}",
                        "capper": rng.choice(cappers),
                        "stake_units": "1.00",
                        "legs": legs,
                    }
                )
            connection.request("POST", f"/api/v1/tenants/{guild}/bets/bulk/", json.dumps({"bets": batch}), headers)
            response = connection.getresponse()
            payload = response.read()
            with lock:
                if response.status == 200:
                    summary = json.loads(payload)
                    counts["created"] += summary["created"]
                    counts["failed"] += summary["rejected"]
                else:
                    counts["failed"] += len(batch)

    threads = [threading.Thread(target=post_loop, args=(number,)) for number in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts["created"], counts["failed"]


def analyze() -> None:
    """Fresh planner statistics after bulk writes: autovacuum may be off (it is on these machines), and
    stale statistics that think the bench tenant has no bets pick a full index walk for the
    idempotency lookup of every posted bet."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE betting_bet, betting_betleg, betting_ledgerentry, audit_auditevent")


def bench_ingest(tenant, cappers, secret: str) -> dict:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from apps.betting.models import Game

    games = list(
        Game.objects.filter(status="scheduled", starts_at__gt=datetime.now(UTC)).values_list("external_id", flat=True)[
            :50
        ]
    )
    capper_ids = [capper.member.discord_user_id for capper in cappers]

    class Rollback(Exception):
        pass

    client = APIClient(SERVER_NAME="127.0.0.1")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    leg = {"game": games[0], "market": "spread", "selection": "home", "line": "-3.5", "odds": -110}
    body = {"external_id": "explain1", "capper": capper_ids[0], "stake_units": "1.00", "legs": [leg]}
    try:  # one request in-process: the statements a bet costs the database
        with transaction.atomic(), CaptureQueriesContext(connection) as captured:
            response = client.post(f"/api/v1/tenants/{tenant.guild_id}/bets/", body, format="json")
            assert response.status_code == 201, response.content
            raise Rollback
    except Rollback:
        pass
    explained = explain_total(captured.captured_queries)

    port = _free_port()
    server = subprocess.Popen(
        [str(BASE_DIR / ".venv/bin/uvicorn"), "dbsbm.asgi:application", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(WORKERS), "--no-access-log", "--log-level", "warning"],
        cwd=BASE_DIR, env=os.environ.copy(),
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):  # noqa: S310
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("uvicorn did not start") from None
                time.sleep(0.3)
        end = time.time() + INGEST_SECONDS
        jobs = [(port, secret, tenant.guild_id, capper_ids, games, end, number) for number in range(CLIENTS)]
        started = time.time()
        with multiprocessing.get_context("spawn").Pool(CLIENTS) as pool:
            results = pool.map(_client, jobs)
        elapsed = time.time() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    created, failed = sum(r[0] for r in results), sum(r[1] for r in results)
    return {
        "rate": created / elapsed,
        "created": created,
        "failed": failed,
        "seconds": elapsed,
        "explain_ms": explained,
        "queries": len(captured.captured_queries),
    }


def main() -> None:
    prepare()
    from apps.betting.models import Bet, LedgerEntry

    rng = random.Random(7)
    print(
        f"\nDatabase {DATABASE}: {Bet.objects.count():,} bets, {LedgerEntry.objects.count():,} ledger entries; "
        f"{os.cpu_count()} CPUs; figures are wall-clock in this process (noisy when the machine is shared)\n"
    )
    analyze()
    reads = bench_reads(rng)
    for row in reads:
        verdict = "ok" if row["p95"] < 50 else "MISSED"
        print(
            f"{row['name']:<24} p50 {row['p50']:7.2f} ms  p95 {row['p95']:7.2f} ms  (target p95 < 50 ms: {verdict})"
            f"  EXPLAIN ANALYZE p50 {row['explain_p50']:6.2f} ms  p95 {row['explain_p95']:6.2f} ms"
            f"  [{row['queries']} queries, {RUNS} runs]"
        )
    tenant, cappers, secret = bench_tenant()
    grading = bench_grading(tenant, cappers, rng)
    verdict = "ok" if grading["seconds"] < 2 else "MISSED"
    print(
        f"{'auto-grade 1 game':<24} {GRADE_LEGS} legs in {grading['seconds']:.2f} s  (target < 2 s: {verdict})"
        f"  EXPLAIN ANALYZE {grading['explain_ms'] / 1000:.2f} s  [{grading['queries']} statements; "
        f"{grading['outcome'].bets_settled} bets settled; commit + after-commit receivers {grading['receivers']:.2f} s]"
    )
    analyze()
    ingest = bench_ingest(tenant, cappers, secret)
    verdict = "ok" if ingest["rate"] >= 500 else "MISSED"
    print(
        f"{'bet ingest (API)':<24} {ingest['rate']:.0f} bets/s  (target >= 500 bets/s: {verdict})"
        f"  EXPLAIN ANALYZE {ingest['explain_ms']:.2f} ms per bet [{ingest['queries']} statements]"
        f"  [{ingest['created']} created, {ingest['failed']} failed in {ingest['seconds']:.1f} s;"
        f" {CLIENTS} processes x {THREADS} threads, uvicorn --workers {WORKERS}]"
    )


if __name__ == "__main__":
    main()
