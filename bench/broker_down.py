"""`make bench-broker-down`: what a write costs while the Celery broker is down (issue 11, item 7).

The broker is a redis-server of our own on a free port (the cache and channel layer stay on REDIS_URL),
killed after a first round of writes. Through the whole HTTP stack (Django's test client: middleware, API key,
serializer, service, commit, after-commit callbacks), it times BENCH_BROKER_DOWN_REQUESTS bet
placements and as many data-subject requests, and counts what each left for the workers: outbox rows
(when there is an outbox) and workflows started. Its own database (BENCH_OUTBOX_DATABASE, default
dbsbm_bench_outbox) is re-created each run. Prints p50 / p95 / max per kind of write.
"""

import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
SERVER_URL = os.environ.get("BENCH_SERVER_URL", "postgres://postgres@127.0.0.1:5432")
DATABASE = os.environ.get("BENCH_OUTBOX_DATABASE", "dbsbm_bench_outbox")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
REQUESTS = int(os.environ.get("BENCH_BROKER_DOWN_REQUESTS", "10"))
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


BROKER_PORT = _free_port()
os.environ.update(
    DATABASE_URL=f"{SERVER_URL}/{DATABASE}",
    REDIS_URL=REDIS_URL,
    CELERY_BROKER_URL=f"redis://127.0.0.1:{BROKER_PORT}/0",
    DJANGO_SETTINGS_MODULE="dbsbm.settings.local",
    DJANGO_DEBUG="false",
    DJANGO_ALLOWED_HOSTS="testserver",
)
os.environ.setdefault("DJANGO_LOG_LEVEL", "ERROR")


def _recreate_database() -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DATABASE)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))


def _start_broker() -> subprocess.Popen:
    process = subprocess.Popen(
        [REDIS_SERVER, "--port", str(BROKER_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", BROKER_PORT), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


def _summary(label: str, timings: list[float]) -> str:
    ordered = sorted(timings)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return (
        f"{label:<36} n={len(ordered):<3} p50 {statistics.median(ordered):8.1f} ms   "
        f"p95 {p95:8.1f} ms   max {ordered[-1]:8.1f} ms"
    )


def main() -> int:
    _recreate_database()
    import django

    django.setup()
    from django.apps import apps
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    cache.clear()  # BENCH_REDIS_URL's database: no throttle window left over from an earlier run
    from apps.accounts.services import api_key_create, member_create
    from apps.betting.services import capper_create
    from apps.core.actors import Actor
    from apps.tenants.services import tenant_create

    actor = Actor.system("bench broker down")
    tenant = tenant_create(actor=actor, guild_id="111111111111111111", name="Bench", plan_code="enterprise")
    capper_create(tenant=tenant, actor=actor, discord_user_id="500000000000000001", username="joe")
    members = [
        member_create(actor=actor, tenant=tenant, discord_user_id=str(712345678900000000 + n), username=f"m{n}")
        for n in range(2 * REQUESTS)
    ]
    _, bets_secret = api_key_create(actor=actor, name="bets", scopes=["bets:write"], tenant=tenant)
    _, privacy_secret = api_key_create(actor=actor, name="privacy", scopes=["privacy:read", "privacy:write"])
    bets_client = Client(HTTP_AUTHORIZATION=f"Bearer {bets_secret}")
    privacy_client = Client(HTTP_AUTHORIZATION=f"Bearer {privacy_secret}")
    bets_url = f"/api/v1/tenants/{tenant.guild_id}/bets/"

    broker = _start_broker()
    results: dict[str, dict[str, list[float]]] = {}
    for phase in ("broker up", "broker down"):
        if phase == "broker down":
            broker.kill()
            broker.wait(timeout=10)
        timings: dict[str, list[float]] = {"bet placement": [], "data-subject request": []}
        for number in range(REQUESTS):
            body = {
                "external_id": f"bench-{phase.split()[-1]}-{number}",
                "capper": "500000000000000001",
                "stake_units": "1.00",
                "legs": [{"market": "moneyline", "selection": "home", "odds": -110, "description": "Manual: A @ B"}],
            }
            started = time.perf_counter()
            response = bets_client.post(bets_url, body, content_type="application/json")
            timings["bet placement"].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 201, response.content
            member = members[number + (REQUESTS if phase == "broker down" else 0)]
            body = {"guild_id": tenant.guild_id, "discord_user_id": member.discord_user_id, "kind": "access"}
            started = time.perf_counter()
            response = privacy_client.post("/api/v1/privacy/requests/", body, content_type="application/json")
            timings["data-subject request"].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 201, response.content
        results[phase] = timings

    print(f"{REQUESTS} writes of each kind with the broker up (no worker), then killed")  # noqa: T201
    for phase, timings in results.items():
        for label, values in timings.items():
            print(_summary(f"{label}, {phase}", values))  # noqa: T201
    workflows = apps.get_model("compliance", "WorkflowInstance").objects.count()
    print(f"workflows started: {workflows} of {2 * REQUESTS} requests (no worker runs here)")  # noqa: T201
    try:
        outbox = apps.get_model("core", "OutboxMessage")
    except LookupError:
        print("no outbox: tasks not published are lost")  # noqa: T201
    else:
        print(f"outbox rows waiting for the broker: {outbox.objects.filter(dispatched_at=None).count()}")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
