"""`make bench-integration`, part 3: what OpenTelemetry tracing adds to the bet list (issue #15, item 7).

One tenant with BENCH_TRACING_BETS (20,000) seeded bets in its own database (BENCH_TRACING_DATABASE,
default dbsbm_bench_tracing; seeded once, reused). Two uvicorn servers (`dbsbm.asgi:application`, one
worker each, the full configuration) serve the same bet list endpoint at the same time: one with tracing
off (no OTLP endpoint: nothing installed), one with tracing on, exporting every span (sampler ratio
BENCH_TRACING_RATIO, default 1.0) over OTLP/HTTP to a tiny local receiver that accepts POST /v1/traces.
A client times GET /api/v1/tenants/{guild}/bets/ (50 rows a page, no If-None-Match) in alternating rounds
of BENCH_TRACING_ROUND requests against each server, so machine noise hits both alike.
Target: p95 with tracing on < p95 off + 10 %. Appends its section to bench/results-integration.md.
"""

import http.client
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
SERVER_URL = os.environ.get("BENCH_SERVER_URL", "postgres://postgres@127.0.0.1:5432")
DATABASE = os.environ.get("BENCH_TRACING_DATABASE", "dbsbm_bench_tracing")
REDIS_URL = os.environ.get("BENCH_TRACING_REDIS_URL", "redis://127.0.0.1:6379/6")
BETS = int(os.environ.get("BENCH_TRACING_BETS", "20000"))
ROUNDS = int(os.environ.get("BENCH_TRACING_ROUNDS", "12"))
ROUND = int(os.environ.get("BENCH_TRACING_ROUND", "40"))  # requests per server per round
RATIO = os.environ.get("BENCH_TRACING_RATIO", "1.0")
TARGET_PERCENT = 10.0
RESULTS = BASE_DIR / "bench" / "results-integration.md"

os.environ.update(
    DATABASE_URL=f"{SERVER_URL}/{DATABASE}", REDIS_URL=REDIS_URL, DJANGO_SETTINGS_MODULE="dbsbm.settings.local"
)
os.environ["DJANGO_DEBUG"] = "false"
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
os.environ.setdefault("RATELIMIT_ENABLED", "false")
os.environ.setdefault("DBSBM_MASTER_KEY", "YmVuY2gtdHJhY2luZy1tYXN0ZXIta2V5LW5vdHNlY3I=")
os.environ.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
os.environ.pop("OTEL_TRACING_ENABLED", None)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Receiver:
    """The collector's stand-in: accepts OTLP/HTTP exports and counts the spans in them."""

    def __init__(self) -> None:
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

        self.spans = self.exports = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.path == "/v1/traces":
                    request = ExportTraceServiceRequest.FromString(body)
                    receiver.exports += 1
                    receiver.spans += sum(
                        len(scope.spans) for resource in request.resource_spans for scope in resource.scope_spans
                    )
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def prepare() -> tuple[str, str]:
    """The database migrated and seeded (once); the tenant's guild id and a key reading its bets."""
    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone():
            connection.execute(f'CREATE DATABASE "{DATABASE}"')
    import django

    django.setup()
    from django.core.management import call_command

    from apps.accounts.services import api_key_create
    from apps.betting.models import Bet
    from apps.core.actors import Actor
    from apps.tenants.models import Tenant

    call_command("migrate", verbosity=0)
    tenant = Tenant.objects.filter(settings__demo=True).first()
    if tenant is None or Bet.objects.filter(tenant=tenant).count() < BETS:
        print(f"seeding {DATABASE}: one tenant, {BETS} bets …")
        started = time.monotonic()
        call_command("seed_demo", tenants=1, bets=BETS, seed=1)
        print(f"seeded in {time.monotonic() - started:.0f} s")
        tenant = Tenant.objects.filter(settings__demo=True).first()
    count = Bet.objects.filter(tenant=tenant).count()
    _, secret = api_key_create(actor=Actor.system("bench"), name="bench tracing", scopes=["bets:read"], tenant=tenant)
    print(f"tenant {tenant.guild_id}: {count} bets")
    return tenant.guild_id, secret


class Server:
    def __init__(self, name: str, env: dict[str, str]) -> None:
        self.name, self.port = name, _free_port()
        self.log = open(BASE_DIR / "var" / f"bench-tracing-{name}.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(BASE_DIR / ".venv/bin/uvicorn"), "dbsbm.asgi:application", "--host", "127.0.0.1",
             "--port", str(self.port), "--workers", "1", "--no-access-log"],
            cwd=BASE_DIR, env=env, stdout=self.log, stderr=self.log,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"uvicorn ({name}) exited; see {self.log.name}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/healthz")
                connection.getresponse().read()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"uvicorn ({name}) did not start")

    def get(self, path: str, headers: dict) -> tuple[float, http.client.HTTPResponse, bytes]:
        started = time.perf_counter()
        self.connection.request("GET", path, headers=headers)
        response = self.connection.getresponse()
        body = response.read()
        return (time.perf_counter() - started) * 1000, response, body

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


def measure(servers: dict[str, Server], path: str, headers: dict) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {name: [] for name in servers}
    for name, server in servers.items():  # warm up: imports, connections, query plans, caches
        for _ in range(20):
            _, response, body = server.get(path, headers)
            assert response.status == 200, (name, response.status, body[:200])
            assert len(json.loads(body)["results"]) == 50
    for round_number in range(ROUNDS):
        order = list(servers) if round_number % 2 == 0 else list(reversed(servers))
        for name in order:
            for _ in range(ROUND):
                elapsed, response, _ = servers[name].get(path, headers)
                assert response.status == 200
                timings[name].append(elapsed)
    return timings


def main() -> int:
    guild_id, secret = prepare()
    receiver = Receiver()
    base_env = os.environ.copy()
    traced_env = {
        **base_env,
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
        "OTEL_TRACES_SAMPLER_RATIO": RATIO,
        "OTEL_SERVICE_VERSION": "bench",
    }
    servers = {"off": Server("off", base_env), "on": Server("on", traced_env)}
    path, headers = f"/api/v1/tenants/{guild_id}/bets/", {"Authorization": f"Bearer {secret}"}
    try:
        _, response, _ = servers["on"].get(path, headers)
        traceparent_on = response.getheader("traceparent")
        _, response, _ = servers["off"].get(path, headers)
        traceparent_off = response.getheader("traceparent")
        timings = measure(servers, path, headers)
    finally:
        for server in servers.values():
            server.stop()  # the traced server flushes its last spans on exit
    off, on = percentile(timings["off"], 0.95), percentile(timings["on"], 0.95)
    added = (on - off) / off * 100
    verdict = "PASS" if added < TARGET_PERCENT else "MISS"
    requests = len(timings["on"])
    cpu = platform.processor() or platform.machine()
    report = "\n".join(
        [
            "",
            "## Tracing overhead on the bet list (bench/integration_tracing.py)",
            "",
            f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()}, {cpu}, {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}; load average at the end {os.getloadavg()[0]:.1f} (the machine "
            "is shared: p95 is noisy). One tenant with "
            f"{BETS:,} seeded bets; GET /api/v1/tenants/{{guild}}/bets/ (50 rows, tenant key, no If-None-Match) on "
            "two uvicorn servers (1 worker each) side by side, "
            f"{ROUNDS} alternating rounds of {ROUND} requests each ({requests} per configuration, after 20 warm-up).",
            "Tracing on: server spans from the ASGI middleware (named after the Django route), psycopg, Redis and "
            "Celery instrumented, sampler ParentBased(TraceIdRatioBased"
            f"({RATIO})), BatchSpanProcessor exporting OTLP/HTTP to a local receiver, which got {receiver.spans:,} "
            f"spans in {receiver.exports:,} exports. Example headers: on `{traceparent_on}`, off `{traceparent_off}`.",
            "",
            "| configuration | p50 | p95 | p99 |",
            "|---|---|---|---|",
            *[
                f"| tracing {name} | {statistics.median(values):.1f} ms | {percentile(values, 0.95):.1f} ms | "
                f"{percentile(values, 0.99):.1f} ms |"
                for name, values in timings.items()
            ],
            "",
            f"Added at p95: {added:+.1f} % (target < +{TARGET_PERCENT:.0f} %): **{verdict}**.",
            "",
        ]
    )
    with RESULTS.open("a") as results:
        results.write(report)
    print(report)
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
