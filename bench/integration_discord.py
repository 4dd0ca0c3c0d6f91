"""`make bench-integration` (part 2): p95 of `/record` through the Discord interactions endpoint (target < 100 ms).

What is measured: a signed interaction POSTed to `uvicorn dbsbm.asgi:application` (one worker, the Procfile's web
process) on 127.0.0.1 and the full answer read back, over one keep-alive connection, one request at a time.
Every request is signed for real with a key pair generated here (the server holds its public key) and has
a fresh interaction id and timestamp, so the endpoint does all its work: Ed25519 verification, the replay
check in Redis, the tenant, the capper, the record from the ledger (cached per capper and period, as the
selector always is) and the JSON answer. Signing happens before the clock starts (it is Discord's work).

Two figures: `steady` cycles through every capper of the tenant and every period (the first pass fills
the cache, then it answers from it: a server in use), and `cold`, where the cache is flushed before each
request (the worst case: the tenant row, the capper and the ledger aggregate all read from PostgreSQL).
The verdict is on `steady`; `cold` is judged against the same target and reported beside it.

Its own database (BENCH_DISCORD_DATABASE, default dbsbm_bench_discord) is seeded once with
`seed_demo --tenants 1 --bets BENCH_DISCORD_BETS` (default 5000, most settled through grading) and reused
while it holds that many bets. Appends its section to bench/results-integration.md.
"""

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
SERVER_URL = os.environ.get("BENCH_SERVER_URL", "postgres://postgres@127.0.0.1:5432")
DATABASE = os.environ.get("BENCH_DISCORD_DATABASE", "dbsbm_bench_discord")
REDIS_URL = os.environ.get("BENCH_DISCORD_REDIS_URL", "redis://127.0.0.1:6379/2")
BETS = int(os.environ.get("BENCH_DISCORD_BETS", "5000"))
STEADY_REQUESTS = int(os.environ.get("BENCH_DISCORD_REQUESTS", "1000"))
COLD_REQUESTS = int(os.environ.get("BENCH_DISCORD_COLD_REQUESTS", "200"))
TARGET_MS = 100.0
RESULTS = BASE_DIR / "bench" / "results-integration.md"
PERIODS = ("month", "year", "lifetime")
APPLICATION_ID = "900000000000000001"

os.environ.update(
    DATABASE_URL=f"{SERVER_URL}/{DATABASE}",
    REDIS_URL=REDIS_URL,
    DJANGO_SETTINGS_MODULE="dbsbm.settings.local",
    DJANGO_DEBUG="false",
)
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, check=True)


def _prepare_database() -> None:
    """Create, migrate and seed the bench database unless it already holds the bets."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
    _manage("migrate", "--verbosity", "0")
    with psycopg.connect(f"{SERVER_URL}/{DATABASE}") as connection:
        have = connection.execute("SELECT count(*) FROM betting_bet").fetchone()[0]
    if have < BETS:
        print(f"seeding {BETS} bets into {DATABASE} (once) ...", flush=True)
        _manage("seed_demo", "--tenants", "1", "--bets", str(BETS), "--seed", "1", "--no-progress")


class Server:
    """uvicorn on a free port with the bench's public key; one worker, no access log."""

    def __init__(self, public_key_hex: str) -> None:
        self.port = _free_port()
        env = {**os.environ, "DISCORD_PUBLIC_KEY": public_key_hex, "WEB_CONCURRENCY": "1", "PYTHONUNBUFFERED": "1"}
        self.log = open(BASE_DIR / "var" / f"bench-discord-{self.port}.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(BASE_DIR / ".venv/bin/uvicorn"), "dbsbm.asgi:application", "--host", "127.0.0.1",
             "--port", str(self.port), "--workers", "1", "--no-access-log"],
            cwd=BASE_DIR, env=env, stdout=self.log, stderr=self.log,
        )  # fmt: skip
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"uvicorn exited; see {self.log.name}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=5):  # noqa: S310
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("uvicorn did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


def _interaction(*, guild_id: str, user_id: str, period: str, counter: int) -> bytes:
    from apps.core.discord import DISCORD_EPOCH_MS

    interaction_id = str(((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) + counter % 4096)
    return json.dumps({
        "type": 2, "id": interaction_id, "application_id": APPLICATION_ID, "token": f"bench-{counter}",
        "guild_id": guild_id, "member": {"user": {"id": user_id, "username": f"u{user_id[-4:]}"}, "nick": None},
        "data": {"id": "800000000000000001", "name": "record", "type": 1,
                 "options": [{"name": "period", "type": 3, "value": period}]},
    }).encode()  # fmt: skip


def _run(port: int, private_key, targets: list[tuple[str, str, str]], *, count: int, before=None) -> dict:
    """POST `count` signed /record interactions, cycling through `targets`; timings in ms and failures."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    timings: list[float] = []
    failures: list[str] = []
    for number in range(count):
        guild_id, user_id, period = targets[number % len(targets)]
        if before is not None:
            before()
        body = _interaction(guild_id=guild_id, user_id=user_id, period=period, counter=number)
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Signature-Ed25519": private_key.sign(stamp.encode() + body).hex(),
            "X-Signature-Timestamp": stamp,
        }
        started = time.perf_counter()
        connection.request("POST", "/discord/interactions/", body=body, headers=headers)
        response = connection.getresponse()
        raw = response.read()
        timings.append((time.perf_counter() - started) * 1000)
        answer = json.loads(raw) if response.status == 200 else {}
        if response.status != 200 or "Record:" not in answer.get("data", {}).get("content", ""):
            failures.append(f"{response.status}: {raw[:200]!r}")
    connection.close()
    return {"timings": timings, "failures": failures}


def _summary(timings: list[float]) -> dict[str, float]:
    return {
        "p50": statistics.median(timings),
        "p95": percentile(timings, 0.95),
        "p99": percentile(timings, 0.99),
        "max": max(timings),
    }


def main() -> int:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    (BASE_DIR / "var").mkdir(exist_ok=True)
    _prepare_database()
    import django

    django.setup()
    import redis

    from apps.betting.models import Bet, Capper, LedgerEntry

    capper_rows = list(
        Capper.objects.filter(member__discord_user_id__regex=r"^[1-9][0-9]{16,19}$")
        .values_list("tenant__guild_id", "member__discord_user_id")
        .order_by("pk")
    )
    targets = [(guild, user, period) for guild, user in capper_rows for period in PERIODS]
    bets, entries = Bet.objects.count(), LedgerEntry.objects.count()
    private_key = Ed25519PrivateKey.generate()
    public_hex = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
    cache = redis.Redis.from_url(REDIS_URL)
    cache.flushdb()
    server = Server(public_hex)
    try:
        _run(server.port, private_key, targets, count=20)  # warm-up: imports, connections, first queries
        steady = _run(server.port, private_key, targets, count=STEADY_REQUESTS)
        cold = _run(server.port, private_key, targets, count=COLD_REQUESTS, before=cache.flushdb)
    finally:
        server.stop()
    return _report(steady=steady, cold=cold, bets=bets, entries=entries, cappers=len(capper_rows))


def _report(*, steady: dict, cold: dict, bets: int, entries: int, cappers: int) -> int:
    figures = {name: _summary(run["timings"]) for name, run in (("steady", steady), ("cold", cold))}
    verdict = {name: "PASS" if figure["p95"] < TARGET_MS else "MISS" for name, figure in figures.items()}
    failures = steady["failures"] + cold["failures"]
    load = os.getloadavg()
    lines = [
        "## Discord interactions endpoint: `/record` p95 (bench/integration_discord.py)",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores (load average "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}); uvicorn, 1 worker, on 127.0.0.1; one tenant with {bets} bets "
        f"({entries} ledger entries) and {cappers} cappers; each request a real Ed25519-signed interaction "
        "(fresh id and timestamp), sent one at a time over a keep-alive connection, the whole answer read.",
        "",
        "| run | requests | p50 ms | p95 ms | p99 ms | max ms | target p95 | verdict |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, run in (("steady (cache in use)", steady), ("cold (cache flushed before each)", cold)):
        key = name.split()[0]
        figure = figures[key]
        lines.append(
            f"| {name} | {len(run['timings'])} | {figure['p50']:.1f} | {figure['p95']:.1f} | {figure['p99']:.1f} "
            f"| {figure['max']:.1f} | < {TARGET_MS:.0f} ms | {verdict[key]} |"
        )
    lines += [
        "",
        f"Verdict (steady): **{verdict['steady']}**. Wrong answers: {len(failures)}"
        + (f" (first: {failures[0]})" if failures else "")
        + ".",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    with RESULTS.open("a") as results:
        results.write(text + "\n")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
