"""`make bench-analytics`: the analytics targets of issue 14 on PostgreSQL with a million demo bets.

On its own database (BENCH_ANALYTICS_DATABASE, default dbsbm_bench_analytics; created and seeded with
BENCH_BETS demo bets over BENCH_TENANTS tenants by `seed_demo`, which builds the rollups, unless it already
holds that many), in this process, with the full configuration (PostgreSQL, Redis as cache and broker;
no worker, so published tasks wait in the broker):

(a) a tenant's month of daily `units_net, roi` by league through `run_query`, uncached: p50/p95 over
    BENCH_RUNS random (tenant, month) pairs from the rollups, then the same queries answered from the raw
    ledger (the rollups marked stale inside a transaction that is rolled back), whose rows must be equal;
    targets p95 < 50 ms and raw p95 / rollup p95 >= 20;
(b) a platform-wide month of daily figures by tenant: p95 < 200 ms;
(c) what rollup maintenance adds to bet placement (BENCH_PLACEMENTS placements per round through `bet_place`,
    BENCH_ROUNDS rounds) and to auto-grading (`games_grade` of BENCH_GRADE_GAMES games with BENCH_GRADE_BETS
    pending bets each, BENCH_GRADE_ROUNDS rounds), with the analytics receivers connected against
    disconnected, alternating: target < 10 %. The changes' own time (what the request or the grading job
    waits for) and the refresh afterwards (run by a worker) are reported apart, and added up;
(d) the shipped dashboards rendered server-side through the whole Django stack (bench/analytics_dashboards.py),
    the executive one being the issue's default dashboard of 8 widgets: target p95 < 500 ms;
then `analytics_verify` over every tenant (BENCH_VERIFY=0 skips it). Prints the raw numbers, ratios and
PASS/MISS, and writes bench/results-analytics.md.
"""

import os
import platform
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

SERVER_URL = os.environ.get("BENCH_SERVER_URL", "postgres://postgres@127.0.0.1:5432")
DATABASE = os.environ.get("BENCH_ANALYTICS_DATABASE", "dbsbm_bench_analytics")
BETS = int(os.environ.get("BENCH_BETS", "1000000"))
TENANTS = int(os.environ.get("BENCH_TENANTS", "10"))
RUNS = int(os.environ.get("BENCH_RUNS", "200"))
RAW_RUNS = int(os.environ.get("BENCH_RAW_RUNS", "20"))
VERIFY = os.environ.get("BENCH_VERIFY", "1") != "0"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
RESULTS = BASE_DIR / "bench" / "results-analytics.md"

os.environ.update(
    DATABASE_URL=f"{SERVER_URL}/{DATABASE}", REDIS_URL=REDIS_URL, DJANGO_SETTINGS_MODULE="dbsbm.settings.local"
)
os.environ["DJANGO_DEBUG"] = "false"
os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"  # the dashboards are rendered by Django's test client

from bench.analytics_dashboards import TARGET_MS as DASHBOARD_TARGET_MS  # noqa: E402 - the settings above first
from bench.analytics_dashboards import dashboard_render_times  # noqa: E402
from bench.analytics_load import (  # noqa: E402
    _busy_tenant,
    overhead_grading,
    overhead_placement,
    percentile,
    prepare,
    rebuild_busy_tenant,
)


def _months(count: int) -> list[tuple[date, date]]:
    """The last `count` whole months before this one."""
    months, first = [], datetime.now(UTC).date().replace(day=1)
    for _ in range(count):
        last = first - timedelta(days=1)
        first = last.replace(day=1)
        months.append((first, last))
    return months


def _timed(queries, run) -> tuple[list[float], list]:
    durations, results = [], []
    for query in queries:
        started = time.perf_counter()
        results.append(run(query))
        durations.append((time.perf_counter() - started) * 1000)
    return durations, results


def bench_queries(rng: random.Random) -> dict:
    from django.db import connection, transaction

    from apps.analytics.query import MetricQuery, run_query
    from apps.analytics.services.rollups import rollups_mark_stale
    from apps.tenants.models import Tenant

    tenants = list(Tenant.objects.filter(settings__demo=True).order_by("pk"))
    months = _months(4)

    def tenant_month(tenant, month):
        params = {"metrics": "units_net,roi", "group_by": "league", "grain": "day"}
        return MetricQuery.parse({**params, "from": month[0].isoformat(), "to": month[1].isoformat()}, tenant=tenant)

    def platform_month(month):
        params = {"metrics": "units_net,roi,bets_placed", "group_by": "tenant", "grain": "day"}
        return MetricQuery.parse({**params, "from": month[0].isoformat(), "to": month[1].isoformat()})

    samples = [tenant_month(rng.choice(tenants), rng.choice(months)) for _ in range(RUNS)]
    platform = [platform_month(rng.choice(months)) for _ in range(max(RUNS // 2, 10))]
    _timed(samples[:10], run_query)  # warm up the connection, the plans and the caches of PostgreSQL
    tenant_ms, tenant_results = _timed(samples, run_query)
    platform_ms, platform_results = _timed(platform, run_query)
    origins = {(result.source, result.stale) for result in tenant_results + platform_results}
    assert origins == {("rollup", False)}, origins

    raw = {}
    with transaction.atomic():  # rolled back: the rollups are not really marked stale
        rollups_mark_stale(tenant_ids=[tenant.pk for tenant in tenants], reason="bench: answer from the raw ledger")
        with connection.cursor() as cursor:
            cursor.execute("SHOW jit")
            raw["jit"] = cursor.fetchone()[0]
        for label, setting in (("default", None), ("jit_off", "SET LOCAL jit = off")):
            if setting:
                with connection.cursor() as cursor:
                    cursor.execute(setting)
            raw[f"tenant_{label}"], results = _timed(samples[:RAW_RUNS], run_query)
            assert {result.source for result in results} == {"raw"}
            for rollup, answer in zip(tenant_results[:RAW_RUNS], results, strict=True):
                assert rollup.rows == answer.rows, "the rollups and the raw ledger disagree"
            raw[f"platform_{label}"], results = _timed(platform[:3], run_query)
            for rollup, answer in zip(platform_results, results, strict=False):
                assert rollup.rows == answer.rows, "the rollups and the raw ledger disagree (platform)"
        transaction.set_rollback(True)
    return {
        "tenant_ms": tenant_ms,
        "platform_ms": platform_ms,
        "raw": raw,
        "rows": sum(len(result.rows) for result in tenant_results) / len(tenant_results),
    }


def bench_verify() -> dict:
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    started = time.monotonic()
    try:
        call_command("analytics_verify", stdout=out)
        ok = True
    except CommandError as error:
        out.write(f"{error}\n")
        ok = False
    return {"ok": ok, "seconds": time.monotonic() - started, "last": out.getvalue().strip().splitlines()[-1]}


def _verdict(passed: bool) -> str:
    return "PASS" if passed else "MISS"


def main() -> None:
    rng = random.Random(14)
    setup = prepare(database=DATABASE, server_url=SERVER_URL, bets=BETS, tenants=TENANTS)
    print(f"database {DATABASE}: {setup['bets']} bets, {setup['rollup_rows']} rollup rows")
    for line in setup["notes"]:
        print(f"  {line}")
    queries = bench_queries(rng)
    placement = overhead_placement(rng)
    grading = overhead_grading(rng)
    setup["notes"].append(rebuild_busy_tenant())
    dashboards = dashboard_render_times(_busy_tenant()[0])
    verify = bench_verify() if VERIFY else None
    lines = report(setup, queries, placement, grading, dashboards, verify)
    print("\n".join(lines))
    RESULTS.write_text("\n".join(lines) + "\n")
    print(f"written to {RESULTS.relative_to(BASE_DIR)}")


def report(setup, queries, placement, grading, dashboards, verify) -> list[str]:
    tenant_p50, tenant_p95 = percentile(queries["tenant_ms"], 0.5), percentile(queries["tenant_ms"], 0.95)
    platform_p50, platform_p95 = percentile(queries["platform_ms"], 0.5), percentile(queries["platform_ms"], 0.95)
    raw = queries["raw"]
    raw_p50, raw_p95 = percentile(raw["tenant_default"], 0.5), percentile(raw["tenant_default"], 0.95)
    raw_off_p50, raw_off_p95 = percentile(raw["tenant_jit_off"], 0.5), percentile(raw["tenant_jit_off"], 0.95)
    ratio, ratio_off = raw_p95 / tenant_p95, raw_off_p95 / tenant_p95
    load = os.getloadavg()
    lines = [
        "# bench-analytics results",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} ({os.cpu_count()} CPUs, "
        f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the end), PostgreSQL database "
        f"`{DATABASE}`: {setup['bets']:,} bets over {TENANTS} tenants, {setup['rollup_rows']:,} rollup rows. "
        f"PostgreSQL `jit` = {raw['jit']}.",
        "",
    ]
    lines += [f"- {note}" for note in setup["notes"]]
    lines += [
        "",
        "| figure | measured | target | verdict |",
        "|---|---|---|---|",
        f"| (a) tenant month, daily units_net,roi by league, rollups ({len(queries['tenant_ms'])} runs, "
        f"{queries['rows']:.0f} rows each on average) | p50 {tenant_p50:.1f} ms, p95 {tenant_p95:.1f} ms "
        f"| p95 < 50 ms | {_verdict(tenant_p95 < 50)} |",
        f"| (a) the same answers from the raw ledger ({len(raw['tenant_default'])} runs, jit {raw['jit']}) "
        f"| p50 {raw_p50:.0f} ms, p95 {raw_p95:.0f} ms; ratio of p95s {ratio:.0f}x | >= 20x "
        f"| {_verdict(ratio >= 20)} |",
        f"| (a) raw again with jit off ({len(raw['tenant_jit_off'])} runs) | p50 {raw_off_p50:.0f} ms, "
        f"p95 {raw_off_p95:.0f} ms; ratio {ratio_off:.0f}x | >= 20x | {_verdict(ratio_off >= 20)} |",
        f"| (b) platform-wide month, daily by tenant ({len(queries['platform_ms'])} runs) | p50 {platform_p50:.1f} ms, "
        f"p95 {platform_p95:.1f} ms (raw: p50 {percentile(raw['platform_default'], 0.5):.0f} ms) "
        f"| p95 < 200 ms | {_verdict(platform_p95 < 200)} |",
        _overhead_line("(c) bet placement", placement),
        _overhead_line("(c) auto-grading", grading),
    ]
    lines += [_dashboard_line(figures) for figures in dashboards]
    if verify is not None:
        lines.append(
            f"| analytics_verify after the runs above | {verify['last']} | no difference | {_verdict(verify['ok'])} |"
        )
    lines += ["", "Raw numbers (ms): " + _raw_numbers(queries, placement, grading)]
    lines += ["", "Where a render's time goes: each widget drawn alone (mean ms; where its figures come from):"]
    for figures in (figures for figures in dashboards if figures.per_widget):
        lines.append(f"- {figures.name}: " + "; ".join(f"{title} {ms:.0f}" for title, ms in figures.per_widget))
    return lines


def _dashboard_line(figures) -> str:
    p50, p95 = percentile(figures.renders, 0.5), percentile(figures.renders, 0.95)
    default = " — the issue's default dashboard" if figures.key == "executive" else ""
    return (
        f"| (d) dashboard {figures.name}{default}: {figures.widgets} widgets rendered server-side for "
        f"{figures.viewer} "
        f"({len(figures.renders)} renders) | p50 {p50:.0f} ms, p95 {p95:.0f} ms (max {max(figures.renders):.0f}) "
        f"| p95 < {DASHBOARD_TARGET_MS} ms | {_verdict(p95 < DASHBOARD_TARGET_MS)} |"
    )


def _overhead_line(name: str, figures: dict) -> str:
    """The changes' own time (what a request or the grading job waits for: the verdict), then the same with
    the refresh a worker runs afterwards added (the whole work of the upkeep)."""
    share, cpu_share = figures["overhead"] * 100, figures["cpu_overhead"] * 100
    whole, cpu_whole = figures["overhead_with_refresh"] * 100, figures["cpu_overhead_with_refresh"] * 100
    median = ""
    if figures["median_on"] is not None:
        change = (figures["median_on"] / figures["median_off"] - 1) * 100
        median = f" (median call off {figures['median_off']:.1f} ms, on {figures['median_on']:.1f} ms: {change:+.1f} %)"
    return (
        f"| {name}: {figures['what']} | the changes themselves, wall-clock: off {figures['off']:.2f} s, on "
        f"{figures['on']:.2f} s: {share:+.1f} %{median}; CPU (this process and its PostgreSQL backend): off "
        f"{figures['cpu_off']:.2f} s, on {figures['cpu_on']:.2f} s: {cpu_share:+.1f} %. The refresh afterwards "
        f"(a worker's, not the request's): {figures['refresh']:.2f} s wall-clock, {figures['cpu_refresh']:.2f} s "
        f"CPU; counted in: {whole:+.1f} % wall-clock, {cpu_whole:+.1f} % CPU "
        f"| < 10 % | {_verdict(share < 10)} (the change, wall), {_verdict(cpu_share < 10)} (the change, CPU); "
        f"{_verdict(whole < 10)} (with the refresh, wall), {_verdict(cpu_whole < 10)} (with the refresh, CPU) |"
    )


def _raw_numbers(queries, placement, grading) -> str:
    def stats(values):
        middle = f"p50 {percentile(values, 0.5):.1f}, p95 {percentile(values, 0.95):.1f}"
        return f"min {min(values):.1f}, {middle}, max {max(values):.1f}"

    raw = queries["raw"]
    return "; ".join(
        [
            f"tenant month rollups {stats(queries['tenant_ms'])}",
            f"raw {stats(raw['tenant_default'])}",
            f"raw jit off {stats(raw['tenant_jit_off'])}",
            f"platform month rollups {stats(queries['platform_ms'])}",
            f"platform raw {stats(raw['platform_default'])}",
            f"placement rounds off {placement['rounds_off']}, on {placement['rounds_on']} (s)",
            f"grading rounds off {grading['rounds_off']}, on {grading['rounds_on']} (s)",
        ]
    )


if __name__ == "__main__":
    main()
