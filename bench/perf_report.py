"""The figures of a `make bench` report, judged against their targets, and bench/results.md."""

import os
import statistics

from bench.perf_config import (
    BREAKER_SETTLE_SECONDS,
    CONNECTIONS,
    FAULT_END,
    GUILD,
    MEMORY_REQUESTS,
    MICRO_ROUNDS,
    MICRO_RUNS,
    REPEATS,
    SECONDS,
    WORKERS,
    WRK_THREADS,
)
from bench.perf_load import spread


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
