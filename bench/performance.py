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
import shutil
import signal
import statistics
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.perf_config import (
    BREAKER_SETTLE_SECONDS,
    CONNECTIONS,
    FAULT_END,
    FAULT_KILL_AT,
    FAULT_RESTART_AT,
    GUILD,
    LUA,
    MEMORY_MAX_SECONDS,
    MEMORY_REQUESTS,
    MICRO_ROUNDS,
    MICRO_RUNS,
    ONLY,
    REPEATS,
    RESULTS,
    WORK,
    WRK,
    WRK_THREADS,
)
from bench.perf_load import http_get, loadgen, loadgen_result, measured_run, phase, wrk, wrk_totals
from bench.perf_processes import RedisServer, WebServer, ensure_wrk, loadavg, machine, rss_bytes, server_env
from bench.perf_report import figures, render

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
    totals = wrk_totals(output)
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


if __name__ == "__main__":
    main()
