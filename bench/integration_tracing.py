"""`make bench-integration`, part 3: what OpenTelemetry tracing adds to the bet list (issue #15, item 7).

One tenant with BENCH_TRACING_BETS (20,000) seeded bets in its own database (BENCH_TRACING_DATABASE,
default dbsbm_bench_tracing; seeded once, reused). One uvicorn server (`dbsbm.asgi:application`, one
worker each, the full configuration) per configuration: tracing off (no OTLP endpoint: nothing installed),
and tracing on at each sampler ratio of BENCH_TRACING_RATIOS (default "1.0,0.1"), exporting over OTLP/HTTP
to a tiny receiver that accepts POST /v1/traces in a process of its own (a collector is not in the
measuring client's process). A client times GET /api/v1/tenants/{guild}/bets/ (50 rows a page, no
If-None-Match), one request at a time: in each round BENCH_TRACING_ROUND requests to one server, then to
the next (the order rotating every round), so machine noise hits every configuration alike and no two
servers ever work at the same time. Target: p95 with tracing on < p95 off + 10 %. Replaces the previous
tracing section of bench/results-integration.md with its own.
"""

import http.client
import json
import multiprocessing
import os
import platform
import socket
import statistics
import subprocess
import sys
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
ROUNDS = int(os.environ.get("BENCH_TRACING_ROUNDS", "30"))
ROUND = int(os.environ.get("BENCH_TRACING_ROUND", "40"))  # requests per server per round
WARM_UP = 50  # requests per server before timing: imports, connections, caches
RATIOS = [ratio.strip() for ratio in os.environ.get("BENCH_TRACING_RATIOS", "1.0,0.1").split(",") if ratio.strip()]
SECTION_TITLE = "## Tracing overhead on the bet list (bench/integration_tracing.py)"
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


def _receive(port, spans, exports) -> None:
    """The collector's stand-in (a process of its own): accepts OTLP/HTTP exports, counts their spans."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.path == "/v1/traces":
                request = ExportTraceServiceRequest.FromString(body)
                with spans.get_lock():
                    exports.value += 1
                    spans.value += sum(
                        len(scope.spans) for resource in request.resource_spans for scope in resource.scope_spans
                    )
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    ThreadingHTTPServer(("127.0.0.1", port.value), Handler).serve_forever()


class Receiver:
    """Runs `_receive` in a child process; `spans` and `exports` are read from shared counters."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")  # nothing of this process's Django state
        self._port = context.Value("i", _free_port())
        self._spans, self._exports = context.Value("q", 0), context.Value("q", 0)
        self.process = context.Process(target=_receive, args=(self._port, self._spans, self._exports), daemon=True)
        self.process.start()
        self.endpoint = f"http://127.0.0.1:{self._port.value}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self._port.value), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the OTLP receiver did not start")

    @property
    def spans(self) -> int:
        return self._spans.value

    @property
    def exports(self) -> int:
        return self._exports.value

    def stop(self) -> None:
        self.process.terminate()
        self.process.join(timeout=10)


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
        (BASE_DIR / "var").mkdir(exist_ok=True)
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
    """One request at a time; per round ROUND requests to each server in turn, the order rotated."""
    timings: dict[str, list[float]] = {name: [] for name in servers}
    for name, server in servers.items():  # warm up: imports, connections, query plans, caches
        for _ in range(WARM_UP):
            _, response, body = server.get(path, headers)
            assert response.status == 200, (name, response.status, body[:200])
            assert len(json.loads(body)["results"]) == 50
    names = list(servers)
    for round_number in range(ROUNDS):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            for _ in range(ROUND):
                elapsed, response, _ = servers[name].get(path, headers)
                assert response.status == 200
                timings[name].append(elapsed)
    return timings


def _results_without_tracing_sections(text: str) -> str:
    """The results file without earlier tracing sections (each runs to the next `## ` heading)."""
    kept, skipping = [], False
    for line in text.splitlines(keepends=True):
        if line.startswith("## "):
            skipping = line.strip() == SECTION_TITLE
        if not skipping:
            kept.append(line)
    return "".join(kept).rstrip("\n") + "\n"


def main() -> int:
    guild_id, secret = prepare()
    receiver = Receiver()
    base_env = os.environ.copy()
    load_before = os.getloadavg()
    servers = {"off": Server("off", base_env)}
    for ratio in RATIOS:
        traced_env = {
            **base_env,
            "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
            "OTEL_TRACES_SAMPLER_RATIO": ratio,
            "OTEL_SERVICE_VERSION": "bench",
        }
        servers[f"on {ratio}"] = Server(f"on-{ratio}", traced_env)
    path, headers = f"/api/v1/tenants/{guild_id}/bets/", {"Authorization": f"Bearer {secret}"}
    try:
        examples = {}
        for name, server in servers.items():
            _, response, _ = server.get(path, headers)
            examples[name] = response.getheader("traceparent")
        timings = measure(servers, path, headers)
    finally:
        for server in servers.values():
            server.stop()  # a traced server flushes its last spans on exit
    load_after = os.getloadavg()
    receiver.stop()
    off = percentile(timings["off"], 0.95)
    added = {name: (percentile(values, 0.95) - off) / off * 100 for name, values in timings.items()}
    verdicts = {name: "PASS" if added[name] < TARGET_PERCENT else "MISS" for name in timings if name != "off"}
    requests = len(timings["off"])
    cpu = platform.processor() or platform.machine()
    load = f"{load_before[0]:.1f} / {load_before[1]:.1f} before, {load_after[0]:.1f} / {load_after[1]:.1f} after"
    report = "\n".join(
        [
            "",
            SECTION_TITLE,
            "",
            f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()}, {cpu}, {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}; load average (1 min / 5 min) {load} (the machine is shared: "
            f"p95 is noisy). One tenant with {BETS:,} seeded bets; GET /api/v1/tenants/{{guild}}/bets/ (50 rows, "
            f"tenant key, no If-None-Match) on one uvicorn server per configuration (1 worker each), one request "
            f"at a time: {ROUNDS} rounds of {ROUND} requests to each server in turn, the order rotated each round "
            f"({requests} per configuration, after {WARM_UP} warm-up each).",
            "Tracing on: server spans from the ASGI middleware (named after the Django route, no send/receive "
            "spans), psycopg, Redis and Celery instrumented, sampler ParentBased(TraceIdRatioBased(ratio)), "
            "BatchSpanProcessor exporting OTLP/HTTP to a receiver in its own process, which got "
            f"{receiver.spans:,} spans in {receiver.exports:,} exports. Example headers: "
            + ", ".join(f"{name} `{value}`" for name, value in examples.items())
            + ".",
            "",
            "| configuration | p50 | p95 | p99 | added at p95 | verdict (< +10 %) |",
            "|---|---|---|---|---|---|",
            *[
                f"| tracing {name} | {statistics.median(values):.1f} ms | {percentile(values, 0.95):.1f} ms | "
                f"{percentile(values, 0.99):.1f} ms | {'' if name == 'off' else f'{added[name]:+.1f} %'} | "
                f"{verdicts.get(name, '')} |"
                for name, values in timings.items()
            ],
            "",
        ]
    )
    RESULTS.write_text(_results_without_tracing_sections(RESULTS.read_text() if RESULTS.exists() else "") + report)
    print(report)
    return 0 if all(verdict == "PASS" for verdict in verdicts.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
