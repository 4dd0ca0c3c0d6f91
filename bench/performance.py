"""`make bench` (`python -m bench.performance`): the performance platform's targets (issue 4) against a
real server under real load.

Everything runs on this machine over loopback:

* a Redis of our own (`redis-server --save ""` on a free port), so the fault test can kill it without
  touching the shared one on 6379;
* the demo database of `make bench-ledger` (BENCH_DATABASE, default dbsbm_bench, 1,000,000 demo bets;
  seeded by bench/ledger.py's code path only if it is missing or has another size);
* the web process of the Procfile (`uvicorn dbsbm.asgi:application --workers 2`) with the full
  configuration, twice: cache on, and cache off (`DBSBM_CACHE_ENABLED=false`: the database alone);
* load from a second process: wrk (throughput, CPU per request, memory) and bench/loadgen.py (the
  fault test, which needs every request's time and status).

Figures (each printed with its raw numbers, ratio and PASS/MISS, and written to bench/results.md):
1. bet list page throughput, cache on vs off (target >= 5x);
2. server CPU per request (utime+stime of the workers from /proc), 304 vs uncached 200 (>= 10x);
3. cache_get_or_set hit vs a raw redis-py GET of the same key, in process, interleaved rounds (<= 1.5x);
4. Redis killed during a load run and started again: error responses (0) and p95 while the breaker
   is open vs the database-only run (<= 2x);
5. leaderboard p95 uncached on 1M bets (< 50 ms), bench/ledger.py's measurement, plus over HTTP;
6. RSS of a web worker after BENCH_MEMORY_REQUESTS requests vs after 1,000 (< 10% growth).

Rate limits stay on (every request pays its counter); the bench key is a platform key whose limit is
raised by RATELIMIT_PLATFORM_KEY_PER_MINUTE, so the load is never throttled.
"""

import json
import os
import platform as host_platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

GUILD = os.environ.get("BENCH_GUILD", "100000000000000003")  # Vegas Insiders: a demo tenant on enterprise
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
WRK_THREADS = int(os.environ.get("BENCH_WRK_THREADS", "2"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
WORKERS = int(os.environ.get("BENCH_WEB_WORKERS", "2"))
MICRO_RUNS = int(os.environ.get("BENCH_MICRO_RUNS", "5000"))
MICRO_ROUNDS = 10
MEMORY_REQUESTS = int(os.environ.get("BENCH_MEMORY_REQUESTS", "100000"))
MEMORY_MAX_SECONDS = float(os.environ.get("BENCH_MEMORY_MAX_SECONDS", "1500"))
# BENCH_ONLY=http,micro runs only those parts (http: figures 1-2, micro: 3, leaderboard: 5, fault: 4,
# memory: 6) and prints their figures without writing bench/results.md, which only a full run writes.
SECTIONS = ("http", "micro", "leaderboard", "fault", "memory")
ONLY = {name.strip() for name in os.environ.get("BENCH_ONLY", "").split(",") if name.strip()}
if ONLY - set(SECTIONS):
    raise SystemExit(f"BENCH_ONLY: unknown parts {sorted(ONLY - set(SECTIONS))}; choose from {', '.join(SECTIONS)}")
FAULT_KILL_AT, FAULT_RESTART_AT, FAULT_END = 10.0, 25.0, 40.0
BREAKER_SETTLE_SECONDS = 1.0  # after the kill, before "the breaker is open" is counted
RESULTS = BASE_DIR / "bench" / "results.md"
LUA = BASE_DIR / "bench" / "wrk_report.lua"
WRK = shutil.which("wrk") or "/usr/bin/wrk"  # Debian's; `make bench` installs it when missing
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"

WORK = Path(tempfile.mkdtemp(prefix="dbsbm-bench-"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else float("nan")


def spread(values: list[float]) -> str:
    """min–max around the median, as a share of the median: how noisy the repeats were."""
    middle = statistics.median(values)
    return f"±{(max(values) - min(values)) / 2 / middle * 100:.0f}%" if middle else "n/a"


# ---- processes we own --------------------------------------------------------------------------------


class RedisServer:
    """A throwaway redis-server without persistence; kill() and start() again on the same port."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(WORK), "--logfile", str(WORK / "redis.log")],
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as probe:
                    probe.sendall(b"PING\r\n")
                    if probe.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


LOG_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"pid": {"format": "%(process)d"}, "plain": {"format": "%(asctime)s %(levelname)s %(message)s"}},
    "handlers": {
        "access": {"class": "logging.FileHandler", "formatter": "pid", "filename": "PLACEHOLDER"},
        "error": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"},
    },
    "loggers": {
        "uvicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"handlers": ["error"], "level": "WARNING", "propagate": False},
    },
}


class WebServer:
    """`uvicorn dbsbm.asgi:application --workers N` (the Procfile's web process) on a free port.

    The access log holds one line per request with the worker's pid, so requests per worker are known.
    """

    def __init__(self, name: str, env: dict[str, str]) -> None:
        self.name = name
        self.port = _free_port()
        self.application_name = f"dbsbm-bench-{name}-{self.port}"
        env = {**env, "DATABASE_URL": f"{env['DATABASE_URL']}?application_name={self.application_name}"}
        self.access_log = WORK / f"access-{name}-{self.port}.log"
        log_config = WORK / f"log-{name}-{self.port}.json"
        config = json.loads(json.dumps(LOG_CONFIG))
        config["handlers"]["access"]["filename"] = str(self.access_log)
        log_config.write_text(json.dumps(config))
        self.stderr = open(WORK / f"server-{name}-{self.port}.err", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(BASE_DIR / ".venv/bin/uvicorn"), "dbsbm.asgi:application", "--host", "127.0.0.1",
             "--port", str(self.port), "--workers", str(WORKERS), "--log-config", str(log_config)],
            cwd=BASE_DIR, env=env, stdout=self.stderr, stderr=self.stderr,
        )  # fmt: skip
        self._wait_ready()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"uvicorn ({self.name}) exited; see {self.stderr.name}")
            if len(self.workers()) == WORKERS:
                try:
                    with urllib.request.urlopen(f"{self.base}/healthz", timeout=5):  # noqa: S310
                        return
                except OSError:
                    pass
            time.sleep(0.3)
        raise RuntimeError(f"uvicorn ({self.name}) did not start")

    def workers(self) -> list[int]:
        """The worker processes (children of the supervisor running the app, not multiprocessing's helpers)."""
        pids = []
        for task in Path(f"/proc/{self.process.pid}/task").glob("*"):
            try:
                pids += [int(pid) for pid in (task / "children").read_text().split()]
            except OSError:
                continue
        workers = []
        for pid in pids:
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if b"resource_tracker" not in cmdline and b"semaphore_tracker" not in cmdline:
                workers.append(pid)
        return sorted(workers)

    def cpu_seconds(self) -> float:
        """utime + stime of the workers, in seconds."""
        return sum(_process_cpu(pid) for pid in self.workers())

    def database_cpu(self) -> dict[int, float]:
        """CPU seconds of each PostgreSQL backend serving this server (found by its application_name)."""
        import psycopg

        from bench.ledger import SERVER_URL

        with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as connection:
            pids = [row[0] for row in connection.execute(
                "SELECT pid FROM pg_stat_activity WHERE application_name = %s", [self.application_name]
            )]  # fmt: skip
        return {pid: _process_cpu(pid) for pid in pids}

    def requests_per_worker(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        with open(self.access_log, "rb") as log:
            for line in log:
                pid = int(line)
                counts[pid] = counts.get(pid, 0) + 1
        return counts

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.stderr.close()


def _process_cpu(pid: int) -> float:
    """utime + stime of a process in seconds (fields 14 and 15 of /proc/PID/stat); 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for {pid}")


# ---- load ----------------------------------------------------------------------------------------------


def wrk(url: str, secret: str, *, seconds: float, etag: str | None = None, paths_file: Path | None = None):
    """One wrk run (WRK_THREADS threads, CONNECTIONS connections); its totals and latency percentiles."""
    command = [WRK, "-t", str(WRK_THREADS), "-c", str(CONNECTIONS), "-d", f"{seconds:.0f}s", "--timeout", "10s",
               "-H", f"Authorization: Bearer {secret}", "-s", str(LUA)]  # fmt: skip
    if etag:
        command += ["-H", f"If-None-Match: {etag}"]
    command.append(url)
    if paths_file:
        command += ["--", str(paths_file)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return _wrk_totals(output)


def _wrk_totals(output: str) -> dict:
    match = re.search(r"^WRKJSON (\{.*\})$", output, re.MULTILINE)
    if not match:
        raise RuntimeError(f"wrk printed no totals:\n{output}")
    totals = json.loads(match.group(1))
    totals["rate"] = totals["requests"] / (totals["duration_us"] / 1e6)
    totals["errors"] = sum(totals[name] for name in ("connect", "read", "write", "status", "timeout"))
    return totals


def measured_run(server: WebServer, path: str, secret: str, *, etag: str | None = None) -> dict:
    """A wrk run with the workers' CPU read before and after: throughput, latency and CPU per request."""
    cpu_before, database_before = server.cpu_seconds(), server.database_cpu()
    totals = wrk(server.base + path, secret, seconds=SECONDS, etag=etag)
    cpu = server.cpu_seconds() - cpu_before
    database = sum(seconds - database_before.get(pid, 0.0) for pid, seconds in server.database_cpu().items())
    requests = totals["requests"] or 1
    totals["cpu_ms_per_request"] = cpu / requests * 1000
    totals["db_cpu_ms_per_request"] = database / requests * 1000
    totals["bytes_per_request"] = totals["bytes"] / totals["requests"] if totals["requests"] else 0
    return totals


def loadgen(port: int, paths: list[str], secret: str, *, seconds: float, connections: int = CONNECTIONS):
    """Start bench/loadgen.py as a second process; returns (process, output path)."""
    spec = {
        "port": port,
        "paths": paths,
        "headers": {"Authorization": f"Bearer {secret}"},
        "connections": connections,
        "seconds": seconds,
    }
    spec_path = WORK / f"loadgen-{time.monotonic_ns()}.json"
    spec_path.write_text(json.dumps(spec))
    out = spec_path.with_suffix(".out.json")
    process = subprocess.Popen([sys.executable, "-m", "bench.loadgen", str(spec_path), str(out)], cwd=BASE_DIR)
    return process, out


def loadgen_result(process: subprocess.Popen, out: Path) -> dict:
    if process.wait(timeout=600) != 0:
        raise RuntimeError("loadgen failed")
    return json.loads(out.read_text())


def phase(records: list, start: float, end: float) -> dict:
    chosen = [record for record in records if start <= record[0] < end]
    latencies = [record[1] for record in chosen]
    errors = sum(1 for record in chosen if not 200 <= record[2] < 400)
    return {
        "requests": len(chosen),
        "errors": errors,
        "rate": len(chosen) / (end - start) if end > start else 0,
        "p50": percentile(latencies, 0.5),
        "p95": percentile(latencies, 0.95),
        "max": max(latencies, default=float("nan")),
        "statuses": sorted({record[2] for record in chosen}),
    }


def http_get(url: str, secret: str, etag: str | None = None) -> tuple[int, dict, bytes]:
    headers = {"Authorization": f"Bearer {secret}"}
    if etag:
        headers["If-None-Match"] = etag
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


# ---- the figures ---------------------------------------------------------------------------------------


def bench_http(cached: WebServer, uncached: WebServer, secret: str) -> dict:
    """Figures 1 and 2: interleaved repeats of cached 200, uncached 200 and 304 on the bet list."""
    path = f"/api/v1/tenants/{GUILD}/bets/"
    status, headers, body = http_get(cached.base + path, secret)
    assert status == 200, (status, body[:300])
    etag = headers["etag"]
    status, _, _ = http_get(cached.base + path, secret, etag)
    assert status == 304, status
    status, headers, _ = http_get(uncached.base + path, secret)
    assert status == 200 and "etag" not in headers, (status, headers)
    print(f"bet list page: {len(body):,} bytes, {len(json.loads(body)['results'])} bets; ETag {etag}")
    for server in (cached, uncached):  # warm both (connections, code paths)
        wrk(server.base + path, secret, seconds=3)
    runs = {"cached_200": [], "uncached_200": [], "conditional_304": []}
    for repeat in range(REPEATS):
        runs["cached_200"].append(measured_run(cached, path, secret))
        runs["uncached_200"].append(measured_run(uncached, path, secret))
        runs["conditional_304"].append(measured_run(cached, path, secret, etag=etag))
        print(
            f"  repeat {repeat + 1}/{REPEATS}: "
            + "  ".join(
                f"{name} {r[-1]['rate']:7.1f} req/s p95 {r[-1]['p95_us'] / 1000:6.1f} ms "
                f"cpu {r[-1]['cpu_ms_per_request']:6.2f} ms/req ({r[-1]['bytes_per_request']:.0f} B/resp, "
                f"{r[-1]['errors']} err)"
                for name, r in runs.items()
            ),
            flush=True,
        )
    return {"runs": runs, "page_bytes": len(body)}


def bench_micro() -> dict:
    """Figure 3: cache_get_or_set hits vs a raw redis-py GET of the same stored key, in this process."""
    import redis
    from django.conf import settings

    from apps.betting import selectors
    from apps.core.cache import cache_bump, cache_get_or_set
    from apps.core.cache.decoded import decoded_copies
    from apps.core.cache.manager import _names, _parse_entry
    from apps.core.cache.store import default_store
    from apps.tenants.models import Tenant
    from apps.tenants.selectors import _row

    tenant = Tenant.objects.get(guild_id=GUILD)
    period = datetime.now(UTC).strftime("%Y-%m")
    cache_bump("leaderboard", tenant_id=tenant.pk)  # a fresh entry (TTL from now), not one left by the seeding
    board = selectors.leaderboard(tenant=tenant, period_label=period)  # fills the cache
    cases = [
        ("tenant row", "tenant", GUILD, None, lambda: _row(GUILD)),
        (f"leaderboard ({len(board)} rows)", "leaderboard", f"{period}:50:{tenant.timezone}", tenant.pk, None),
    ]
    raw_client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    store = default_store()
    # the cached body of the bet list page the servers stored in [1, 2] (our own Redis: KEYS is fine here)
    body_keys = raw_client.keys(store.key(f"c:api:t{tenant.pk}:body:*"))
    if body_keys:
        body_key = body_keys[0].decode().split(f":c:api:t{tenant.pk}:", 1)[1]
        cases.append(("bet list page body", "api", body_key, tenant.pk, None))
    results = []
    for label, namespace, key, tenant_id, compute in cases:
        if compute is None:

            def compute():
                raise AssertionError("expected a hit")

        else:
            cache_get_or_set(namespace, key, compute, tenant_id=tenant_id)
        full_key = store.key(_names(namespace, key, tenant_id)[2])
        raw = raw_client.get(full_key)
        assert raw is not None, full_key

        def hit(namespace=namespace, key=key, tenant_id=tenant_id, compute=compute):
            cache_get_or_set(namespace, key, compute, tenant_id=tenant_id)

        def get(full_key=full_key):
            raw_client.get(full_key)

        def get_and_parse(full_key=full_key):
            entry = raw_client.get(full_key)
            _parse_entry(entry, entry[1 : entry.index(b"\x1f")].decode())  # the value, as a hit decodes it

        def first_hit(namespace=namespace, key=key, tenant_id=tenant_id, compute=compute):
            decoded_copies.clear()  # as if this process had not read this entry yet: it decodes it
            cache_get_or_set(namespace, key, compute, tenant_id=tenant_id)

        timings = {}
        calls = (("hit", hit), ("get", get), ("get_json", get_and_parse), ("first_hit", first_hit))
        samples = {name: [] for name, _ in calls}
        batch = MICRO_RUNS // MICRO_ROUNDS
        # interleaved: each round times a batch of every call in turn, so the hit and the raw GET it is
        # compared with see the same moment of a shared machine; the figure is the median of the
        # per-round ratios (paired), the best batches are printed beside it
        for _ in range(MICRO_ROUNDS):
            for name, call in calls:
                for _ in range(50):
                    call()
                started = time.perf_counter()
                for _ in range(batch):
                    call()
                samples[name].append((time.perf_counter() - started) / batch * 1e6)
        for name, _ in calls:
            timings[name] = {
                "best": min(samples[name]),
                "median": statistics.median(samples[name]),
                "samples": samples[name],
            }
        paired = statistics.median(hit / get for hit, get in zip(samples["hit"], samples["get"], strict=True))
        results.append({"label": label, "bytes": len(raw), "paired_ratio": paired, **timings})
        hit_us, get_us, decode_us, first_us = (timings[name]["best"] for name, _ in calls)
        print(
            f"  {label:<24} {len(raw):6,} B  hit {hit_us:6.1f} µs  raw GET {get_us:6.1f} µs  "
            f"GET+decode {decode_us:6.1f} µs  first hit {first_us:6.1f} µs  ratio {paired:.2f} "
            f"(of the best batches {hit_us / get_us:.2f})",
            flush=True,
        )
    return {"cases": results}


def bench_fault(cached: WebServer, uncached: WebServer, redis_server: RedisServer, secret: str) -> dict:
    """Figure 4: kill our Redis during a load run, start it again; every request's status and latency."""
    paths = [f"/api/v1/tenants/{GUILD}/bets/"]
    process, out = loadgen(uncached.port, paths, secret, seconds=12)
    baseline = loadgen_result(process, out)
    base = phase(baseline["records"], 2, baseline["seconds"])
    process, out = loadgen(cached.port, paths, secret, seconds=FAULT_END)
    time.sleep(FAULT_KILL_AT)
    redis_server.kill()
    killed_at = time.time()
    time.sleep(FAULT_RESTART_AT - FAULT_KILL_AT)
    redis_server.start()
    restarted_at = time.time()
    result = loadgen_result(process, out)
    offset = result["started"]
    kill, restart = killed_at - offset, restarted_at - offset
    records = result["records"]
    phases = {
        "before (Redis up)": phase(records, 2, kill),
        "kill → breaker open": phase(records, kill, kill + BREAKER_SETTLE_SECONDS),
        "breaker open (Redis down)": phase(records, kill + BREAKER_SETTLE_SECONDS, restart),
        "after restart": phase(records, restart, result["seconds"]),
        "whole run": phase(records, 0, result["seconds"] + 1),
    }
    slowest = sorted(records, key=lambda record: -record[1])[:5]
    return {"baseline": base, "phases": phases, "kill": kill, "restart": restart, "slowest": slowest}


def bench_leaderboard(ledger, uncached: WebServer, secret: str) -> dict:
    """Figure 5: bench/ledger.py's measurement of the leaderboard selector's uncached body, and over HTTP."""
    import random

    rows = ledger.bench_reads(random.Random(7))
    board = next(row for row in rows if row["name"].startswith("leaderboard"))
    months = sorted({datetime.now(UTC).strftime("%Y-%m"), *(f"{datetime.now(UTC).year}-{m:02d}" for m in (1, 3, 6))})
    from apps.tenants.models import Tenant

    guilds = list(Tenant.objects.filter(settings__demo=True).values_list("guild_id", flat=True))
    paths = [f"/api/v1/tenants/{guild}/leaderboard/?period={month}" for guild in guilds for month in months]
    process, out = loadgen(uncached.port, paths, secret, seconds=10, connections=1)
    result = loadgen_result(process, out)
    http = phase(result["records"], 1, result["seconds"])
    return {"selector": board, "http": http, "paths": len(paths)}


def memory_paths(secret: str, cached: WebServer) -> Path:
    """A mix of the API's hot reads over every demo tenant (cached, conditional and recomputed ones)."""
    from apps.tenants.models import Tenant

    lines = []
    for guild in Tenant.objects.filter(settings__demo=True).values_list("guild_id", flat=True):
        base = f"/api/v1/tenants/{guild}"
        for path in (f"{base}/bets/", f"{base}/bets/?page_size=20", f"{base}/bets/?status=won",
                     f"{base}/bets/?status=pending&page_size=10", f"{base}/leaderboard/", f"{base}/bets/counts/",
                     f"{base}/cappers/"):  # fmt: skip
            lines.append(path)
        status, headers, _ = http_get(cached.base + f"{base}/bets/", secret)
        if status == 200 and "etag" in headers:
            lines.append(f"{base}/bets/\t{headers['etag']}")
    lines.append("/api/v1/games/today/")
    paths_file = WORK / "memory-paths.txt"
    paths_file.write_text("\n".join(lines) + "\n")
    return paths_file


def bench_memory(server: WebServer, secret: str) -> dict:
    """Figure 6: RSS of each worker when it has served 1,000 requests and MEMORY_REQUESTS requests."""
    paths_file = memory_paths(secret, server)
    command = [WRK, "-t", str(WRK_THREADS), "-c", str(CONNECTIONS), "-d", "7200s", "--timeout", "10s",
               "-H", f"Authorization: Bearer {secret}", "-s", str(LUA), server.base + "/",
               "--", str(paths_file)]  # fmt: skip
    load = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    first: dict[int, tuple[int, int]] = {}
    last: dict[int, tuple[int, int]] = {}
    started = time.monotonic()
    counts: dict[int, int] = {}
    last_print = started
    try:
        while time.monotonic() - started < MEMORY_MAX_SECONDS:
            time.sleep(0.5)
            counts = server.requests_per_worker()
            for pid, count in counts.items():
                if count >= 1000 and pid not in first:
                    first[pid] = (count, rss_bytes(pid))
                if count >= MEMORY_REQUESTS and pid not in last:
                    last[pid] = (count, rss_bytes(pid))
            total = sum(counts.values())
            busy = [pid for pid, count in counts.items() if count >= 0.2 * total]
            if busy and all(pid in last for pid in busy):
                break
            if time.monotonic() - last_print >= 60:
                last_print = time.monotonic()
                print(f"  … {total:,} requests, per worker {counts}", flush=True)
    finally:
        load.send_signal(signal.SIGINT)
        output = load.communicate(timeout=60)[0]
    totals = _wrk_totals(output)
    final_counts = server.requests_per_worker()
    workers = []
    for pid in sorted(first):
        if pid in last:
            growth = (last[pid][1] - first[pid][1]) / first[pid][1]
            workers.append({"pid": pid, "at_1k": first[pid], "at_n": last[pid], "growth": growth})
    return {
        "workers": workers,
        "counts": final_counts,
        "seconds": time.monotonic() - started,
        "totals": totals,
        "paths": len(paths_file.read_text().splitlines()),
    }


# ---- setup and report ----------------------------------------------------------------------------------


def machine() -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line), host_platform.processor())
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    memory_kb = next(int(line.split()[1]) for line in meminfo if "MemTotal" in line)
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gib": memory_kb / 1024 / 1024,
        "python": host_platform.python_version(),
        "redis": subprocess.run([REDIS_SERVER, "--version"], capture_output=True, text=True).stdout.split()[2],
        "wrk": subprocess.run([WRK, "--version"], capture_output=True, text=True).stdout.split("[")[0].strip() or "wrk",
    }


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def ensure_wrk() -> None:
    if not Path(WRK).exists():
        raise SystemExit("wrk is missing: `make bench` installs it (apt-get install -y wrk)")


def server_env(redis_url: str, *, cache_enabled: bool) -> dict[str, str]:
    env = os.environ.copy()
    env.update(
        REDIS_URL=redis_url,
        DJANGO_SETTINGS_MODULE="dbsbm.settings.local",
        DJANGO_DEBUG="false",
        DBSBM_CACHE_ENABLED="true" if cache_enabled else "false",
        RATELIMIT_ENABLED="true",
        RATELIMIT_PLATFORM_KEY_PER_MINUTE="1000000000",
        WEB_CONCURRENCY=str(WORKERS),
        PYTHONUNBUFFERED="1",
    )
    return env


def bench_key() -> str:
    from apps.accounts.services import api_key_create
    from apps.core.actors import Actor
    from apps.tenants.models import Tenant

    tenant = Tenant.objects.get(guild_id=GUILD)
    print(f"bench tenant {tenant.name} ({GUILD}), plan {tenant.plan_code}")
    from datetime import timedelta

    from django.utils import timezone

    _, secret = api_key_create(
        actor=Actor.system("bench"),
        name="bench platform (make bench)",
        scopes=["bets:read", "tenants:read"],
        expires_at=timezone.now() + timedelta(hours=12),  # one per run; none outlives it for long
    )
    return secret


def main() -> None:
    ensure_wrk()
    redis_server = RedisServer()
    redis_server.start()
    os.environ["BENCH_REDIS_URL"] = redis_server.url
    os.environ["RATELIMIT_ENABLED"] = "true"
    from bench import ledger  # its database, seeding code path and leaderboard measurement

    servers: list[WebServer] = []
    report: dict = {"started": datetime.now(UTC), "machine": machine(), "load_before": loadavg()}
    try:
        ledger.prepare()
        ledger.analyze()
        from apps.betting.models import Bet, LedgerEntry

        report["bets"], report["ledger_entries"] = Bet.objects.count(), LedgerEntry.objects.count()
        print(f"{ledger.DATABASE}: {report['bets']:,} bets, {report['ledger_entries']:,} ledger entries; "
              f"load average {report['load_before']}")  # fmt: skip
        secret = bench_key()
        cached = WebServer("cache-on", server_env(redis_server.url, cache_enabled=True))
        uncached = WebServer("cache-off", server_env(redis_server.url, cache_enabled=False))
        servers += [cached, uncached]
        print(f"servers: cache on :{cached.port} workers {cached.workers()}, "
              f"cache off :{uncached.port} workers {uncached.workers()}; redis :{redis_server.port}")  # fmt: skip

        if wanted("http"):
            print("\n[1, 2] bet list: cached 200 vs uncached 200 vs 304 (wrk)")
            report["http"] = bench_http(cached, uncached, secret)
        if wanted("micro"):
            print("\n[3] cache hit vs raw redis-py GET (in process)")
            if not wanted("http"):  # the bet list page body the servers cache
                http_get(cached.base + f"/api/v1/tenants/{GUILD}/bets/", secret)
            report["micro"] = bench_micro()
        if wanted("leaderboard"):
            print("\n[5] leaderboard, uncached")
            report["leaderboard"] = bench_leaderboard(ledger, uncached, secret)
        if wanted("fault"):
            print("\n[4] Redis killed during a load run (bench/loadgen.py)")
            report["fault"] = bench_fault(cached, uncached, redis_server, secret)
        for server in servers:
            server.stop()
        servers.clear()
        if wanted("memory"):
            print(f"\n[6] worker memory over {MEMORY_REQUESTS:,} requests per worker (wrk, mixed reads)")
            memory_server = WebServer("memory", server_env(redis_server.url, cache_enabled=True))
            servers.append(memory_server)
            report["memory"] = bench_memory(memory_server, secret)
    finally:
        for server in servers:
            server.stop()
        redis_server.kill()
    report["load_after"] = loadavg()
    report["finished"] = datetime.now(UTC)
    rows = figures(report)
    if ONLY:
        print(f"\nBENCH_ONLY={','.join(sorted(ONLY))}: bench/results.md left as it is\n")
        for row in rows:
            print(f"{'PASS' if row['ok'] else 'MISS'}  {row['figure']}: {row['measured']}  {row['ratio']} "
                  f"(target {row['target']})")  # fmt: skip
        shutil.rmtree(WORK, ignore_errors=True)
        return
    text = render(report, rows)
    RESULTS.write_text(text)
    print("\n" + text)
    shutil.rmtree(WORK, ignore_errors=True)


def wanted(section: str) -> bool:
    return not ONLY or section in ONLY


def figures(report: dict) -> list[dict]:
    rows = []
    if "http" in report:
        rows += _http_figures(report)
    if "micro" in report:
        rows += _micro_figures(report)
    if "fault" in report:
        rows += _fault_figures(report)
    if "leaderboard" in report:
        rows += _leaderboard_figures(report)
    if "memory" in report:
        rows += _memory_figures(report)
    return rows


def _http_figures(report: dict) -> list[dict]:
    runs = report["http"]["runs"]
    median = lambda name, field: statistics.median(run[field] for run in runs[name])  # noqa: E731
    rows = []
    cached_rate, uncached_rate = median("cached_200", "rate"), median("uncached_200", "rate")
    ratio = cached_rate / uncached_rate
    rows.append({
        "figure": "bet list page, cached vs uncached throughput",
        "measured": f"{cached_rate:,.0f} vs {uncached_rate:,.0f} req/s (median of {REPEATS}; spread "
                    f"{spread([r['rate'] for r in runs['cached_200']])} / "
                    f"{spread([r['rate'] for r in runs['uncached_200']])})",
        "ratio": f"{ratio:.1f}×", "target": "≥ 5×", "ok": ratio >= 5,
    })  # fmt: skip
    cpu_304, cpu_200 = median("conditional_304", "cpu_ms_per_request"), median("uncached_200", "cpu_ms_per_request")
    ratio = cpu_200 / cpu_304
    db_304, db_200 = median("conditional_304", "db_cpu_ms_per_request"), median("uncached_200", "db_cpu_ms_per_request")
    rows.append({
        "figure": "conditional GET 304 vs full uncached 200, worker CPU per request",
        "measured": f"{cpu_304:.2f} vs {cpu_200:.2f} ms CPU/request (spread "
                    f"{spread([r['cpu_ms_per_request'] for r in runs['conditional_304']])} / "
                    f"{spread([r['cpu_ms_per_request'] for r in runs['uncached_200']])}); with the PostgreSQL "
                    f"backends' CPU {cpu_304 + db_304:.2f} vs {cpu_200 + db_200:.2f} ms, "
                    f"{(cpu_200 + db_200) / (cpu_304 + db_304):.1f}×",
        "ratio": f"{ratio:.1f}× cheaper", "target": "≥ 10× cheaper", "ok": ratio >= 10,
    })  # fmt: skip
    return rows


def _micro_figures(report: dict) -> list[dict]:
    rows = []
    for case in report["micro"]["cases"]:
        ratio = case["paired_ratio"]
        rows.append({
            "figure": f"cache hit vs raw redis-py GET, {case['label']} ({case['bytes']:,} B)",
            "measured": f"median of {MICRO_ROUNDS} interleaved rounds' ratios; best batches "
                        f"{case['hit']['best']:.1f} vs {case['get']['best']:.1f} µs "
                        f"({case['hit']['best'] / case['get']['best']:.2f}×), medians "
                        f"{case['hit']['median']:.1f} / {case['get']['median']:.1f}; for context: raw GET + the "
                        f"codec's decode {case['get_json']['best']:.1f} µs, the first hit of an entry in a process, "
                        f"which decodes it, {case['first_hit']['best']:.1f} µs",
            "ratio": f"{ratio:.2f}×", "target": "≤ 1.5×", "ok": ratio <= 1.5,
        })  # fmt: skip
    return rows


def _fault_figures(report: dict) -> list[dict]:
    rows = []
    fault = report["fault"]
    open_phase, base = fault["phases"]["breaker open (Redis down)"], fault["baseline"]
    errors = fault["phases"]["whole run"]["errors"]
    rows.append({
        "figure": "Redis killed mid-run: error responses",
        "measured": f"{errors} of {fault['phases']['whole run']['requests']:,} requests "
                    f"(statuses seen: {', '.join(map(str, fault['phases']['whole run']['statuses']))})",
        "ratio": "", "target": "0", "ok": errors == 0,
    })  # fmt: skip
    ratio = open_phase["p95"] / base["p95"]
    rows.append({
        "figure": "Redis killed mid-run: p95 while the breaker is open vs database-only run",
        "measured": f"{open_phase['p95']:.1f} vs {base['p95']:.1f} ms",
        "ratio": f"{ratio:.2f}×", "target": "≤ 2×", "ok": ratio <= 2,
    })  # fmt: skip
    return rows


def _leaderboard_figures(report: dict) -> list[dict]:
    rows = []
    board = report["leaderboard"]["selector"]
    rows.append({
        "figure": "leaderboard p95, uncached, 1M bets (selector, bench/ledger.py)",
        "measured": f"p50 {board['p50']:.1f} ms, p95 {board['p95']:.1f} ms (EXPLAIN ANALYZE p95 "
                    f"{board['explain_p95']:.1f} ms; {ledger_runs()} runs)",
        "ratio": "", "target": "< 50 ms", "ok": board["p95"] < 50,
    })  # fmt: skip
    return rows


def _memory_figures(report: dict) -> list[dict]:
    rows = []
    memory = report["memory"]
    for worker in memory["workers"]:
        rows.append({
            "figure": f"worker {worker['pid']} RSS after {worker['at_n'][0]:,} vs {worker['at_1k'][0]:,} requests",
            "measured": f"{worker['at_n'][1] / 2**20:.1f} vs {worker['at_1k'][1] / 2**20:.1f} MiB",
            "ratio": f"{worker['growth'] * 100:+.1f}%", "target": "< 10% growth", "ok": worker["growth"] < 0.10,
        })  # fmt: skip
    if not memory["workers"]:
        rows.append({
            "figure": f"worker RSS after {MEMORY_REQUESTS:,} requests", "measured": f"not reached: {memory['counts']}",
            "ratio": "", "target": "< 10% growth", "ok": False,
        })  # fmt: skip
    return rows


def ledger_runs() -> int:
    return int(os.environ.get("BENCH_RUNS", "200"))


def render(report: dict, rows: list[dict]) -> str:
    m = report["machine"]
    lines = [
        "# Benchmarks of the performance platform (`make bench`)",
        "",
        f"Run {report['started']:%Y-%m-%d %H:%M} – {report['finished']:%H:%M} UTC on {m['nproc']} CPUs "
        f"({m['cpu']}), {m['ram_gib']:.1f} GiB RAM; Python {m['python']}, Redis {m['redis']} (our own, no "
        f"persistence), PostgreSQL `dbsbm_bench` with {report['bets']:,} bets and {report['ledger_entries']:,} ledger "
        f"entries; load average {report['load_before']} before, {report['load_after']} after (the machine is shared "
        "with other test runs, so wall-clock figures are noisy).",
        "",
        f"Server: `uvicorn dbsbm.asgi:application --workers {WORKERS}` (the Procfile's web process), full "
        "configuration (`DATABASE_URL`, `REDIS_URL`, `DJANGO_DEBUG=false`), rate limits on with the bench's platform "
        "key limit raised so the load is never throttled. Load from a second process on loopback: "
        f"{m['wrk']} with {WRK_THREADS} threads × {CONNECTIONS} connections for {SECONDS:.0f} s per run, repeated "
        f"{REPEATS}× and interleaved (cached, uncached, 304); bench/loadgen.py (asyncio, {CONNECTIONS} connections) "
        f"for the fault test. Bet list page: `GET /api/v1/tenants/{GUILD}/bets/` "
        f"(50 bets with legs, {report['http']['page_bytes']:,} bytes).",
        "",
        "| figure | measured | ratio | target | result |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {row['figure']} | {row['measured']} | {row['ratio']} | {row['target']} | "
        f"{'PASS' if row['ok'] else 'MISS'} |"
        for row in rows
    ]
    lines += [
        "",
        "## Raw runs",
        "",
        "Bet list page (wrk; worker CPU = utime+stime of both uvicorn workers / requests, "
        "the figure judged; PostgreSQL CPU = the same of the backends serving them, for context):",
        "",
    ]
    lines += ["| run | req/s | p50 ms | p95 ms | p99 ms | worker CPU ms/request | PostgreSQL CPU ms/request | "
              "bytes/response | errors |", "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for name, runs in report["http"]["runs"].items():
        for number, run in enumerate(runs, start=1):
            lines.append(
                f"| {name} #{number} | {run['rate']:.1f} | {run['p50_us'] / 1000:.1f} | {run['p95_us'] / 1000:.1f} | "
                f"{run['p99_us'] / 1000:.1f} | {run['cpu_ms_per_request']:.2f} | {run['db_cpu_ms_per_request']:.2f} | "
                f"{run['bytes_per_request']:.0f} | {run['errors']} |"
            )
    lines += [
        "",
        f"Cache hit vs raw GET (µs per call, {MICRO_ROUNDS} interleaved rounds of a batch of "
        f"{MICRO_RUNS // MICRO_ROUNDS} calls of each; hit = cache_get_or_set of a "
        "fresh entry this process has decoded before (apps/core/cache/decoded.py); get_json = raw GET + the "
        "codec's decode of the same bytes; first_hit = a hit on an entry new to the process, which decodes it):",
        "",
    ]
    for case in report["micro"]["cases"]:
        for name in ("hit", "get", "get_json", "first_hit"):
            samples = ", ".join(f"{value:.1f}" for value in case[name]["samples"])
            lines.append(f"- {case['label']}, {name}: {samples}")
    fault = report["fault"]
    lines += [
        "",
        f"Redis killed at {fault['kill']:.1f} s and started again (empty) at {fault['restart']:.1f} s of a "
        f"{FAULT_END:.0f} s run; the breaker is counted open from {BREAKER_SETTLE_SECONDS:.0f} s after the kill:",
        "",
        "| phase | requests | req/s | errors | p50 ms | p95 ms | max ms | statuses |",
        "|---|---|---|---|---|---|---|---|",
    ]
    base = fault["baseline"]
    for name, values in [("database only (cache off), 10 s", base), *fault["phases"].items()]:
        lines.append(
            f"| {name} | {values['requests']:,} | {values['rate']:.1f} | {values['errors']} | {values['p50']:.1f} | "
            f"{values['p95']:.1f} | {values['max']:.1f} | {', '.join(map(str, values['statuses']))} |"
        )
    lines += [
        "",
        "Slowest requests of the fault run (start s, latency ms, status): "
        + ", ".join(f"({start:.1f}, {latency:.0f}, {status})" for start, latency, status in fault["slowest"]),
    ]
    board = report["leaderboard"]
    lines += [
        "",
        f"Leaderboard over HTTP on the cache-off server, 1 connection, {board['paths']} tenant × month URLs for 10 s: "
        f"p50 {board['http']['p50']:.1f} ms, p95 {board['http']['p95']:.1f} ms, {board['http']['requests']} requests, "
        f"{board['http']['errors']} errors (the selector figure above is the database's part of it).",
    ]
    memory = report["memory"]
    lines += [
        "",
        f"Memory: wrk over {memory['paths']} URLs (bet list pages and filters, conditional GETs, leaderboards, "
        f"counts, cappers, today's games across the demo tenants) for {memory['seconds']:.0f} s: "
        f"{memory['totals']['requests']:,} requests, {memory['totals']['rate']:.0f} req/s, "
        f"{memory['totals']['errors']} errors; requests per worker {memory['counts']}.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
