"""`make bench-dashboards`: how long the portal takes to render a shipped dashboard server-side.

Not part of `make test`. On its own database (BENCH_DASHBOARD_DATABASE, default dbsbm_bench_dashboards; created,
migrated and seeded once with BENCH_DASHBOARD_BETS demo bets over BENCH_DASHBOARD_TENANTS tenants), it renders
the executive dashboard (8 widgets, platform-wide, the last 30 days) and the tenant overview (9 widgets, one
tenant) through the whole Django stack (session, second factor, every widget's query and figure, the template)
BENCH_DASHBOARD_RUNS times each, and prints p50/p95 and the time each widget takes. Then the same renders with
every metric query answered from memory (the answers computed once before): what the dashboard layer itself
costs (parsing, charts, JSON, template, session), apart from the metric engine. The issue's target: a default
dashboard of 8 widgets under 500 ms (on 1,000,000 bets, with the rollups answering).
"""

import os
import sys
import time
from pathlib import Path

import psycopg

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

SERVER_URL = os.environ.get("BENCH_SERVER_URL", "postgres://postgres@127.0.0.1:5432")
DATABASE = os.environ.get("BENCH_DASHBOARD_DATABASE", "dbsbm_bench_dashboards")
BETS = int(os.environ.get("BENCH_DASHBOARD_BETS", "100000"))
TENANTS = int(os.environ.get("BENCH_DASHBOARD_TENANTS", "10"))
RUNS = int(os.environ.get("BENCH_DASHBOARD_RUNS", "10"))
TARGET_MS = 500

os.environ.update(
    DATABASE_URL=f"{SERVER_URL}/{DATABASE}",
    REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9"),
    DJANGO_SETTINGS_MODULE="dbsbm.settings.local",
    DJANGO_DEBUG="false",
    DJANGO_ALLOWED_HOSTS="testserver",
)


def prepare() -> None:
    import django
    from django.core.management import call_command

    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone():
            connection.execute(f'CREATE DATABASE "{DATABASE}"')
    django.setup()
    call_command("migrate", verbosity=0)
    from apps.betting.models import Bet

    if Bet.objects.count() < BETS:
        print(f"seeding {DATABASE} with {BETS} bets over {TENANTS} tenants …")
        started = time.monotonic()
        call_command("seed_demo", tenants=TENANTS, bets=BETS, seed=1, no_progress=True)
        print(f"seeded in {time.monotonic() - started:.0f} s")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(client, path: str) -> list[float]:
    client.get(path)  # warm: first connection, templates, plotly-free imports
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return timings


def per_widget(dashboard, tenant) -> list[tuple[str, float]]:
    from apps.analytics.selectors.dashboards import dashboard_range
    from apps.analytics.selectors.widgets import widget_view

    date_range = dashboard_range(dashboard=dashboard, tenant=tenant, params={})
    shares = []
    for widget in dashboard.widgets.order_by("y", "x"):
        started = time.perf_counter()
        for _ in range(5):
            view = widget_view(widget=widget, tenant=tenant, date_range=date_range)
        shares.append((f"{widget.title} ({widget.chart_type}){' ERROR' if view.error else ''}",
                       (time.perf_counter() - started) * 1000 / 5))  # fmt: skip
    return shares


def answers_from_memory() -> None:
    """Answer each metric query from a dict filled on first use (the engine's cost taken out of the renders)."""
    from apps.analytics.selectors import batching, widgets

    answers = {}
    engine = widgets.run_query

    def remembered(query):
        if query not in answers:
            answers[query] = engine(query)
        return answers[query]

    widgets.run_query = batching.run_query = remembered


def report(client, dashboards, label: str) -> bool:
    missed = False
    for dashboard, params, name, tenant in dashboards:
        timings = measure(client, f"/portal/analytics/{dashboard.pk}/{params}")
        p50, p95 = percentile(timings, 0.5), percentile(timings, 0.95)
        widgets = dashboard.widgets.count()
        verdict = "PASS" if p95 < TARGET_MS else "MISS"
        missed |= widgets == 8 and p95 >= TARGET_MS
        print(f"{label} {name}: {widgets} widgets, p50 {p50:.0f} ms, p95 {p95:.0f} ms "
              f"(target {TARGET_MS} ms: {verdict})")  # fmt: skip
        if label == "engine":
            for title, milliseconds in per_widget(dashboard, tenant):
                print(f"    {milliseconds:7.1f} ms  {title}")
    return missed


def main() -> int:
    sys.stdout.reconfigure(line_buffering=True)
    prepare()
    from apps.analytics.models import Dashboard
    from apps.betting.models import Bet
    from apps.tenants.models import Tenant
    from bench.portal_client import signed_in_client

    client = signed_in_client()
    tenant = Tenant.objects.order_by("pk").first()
    executive = Dashboard.objects.get(key="executive")
    overview = Dashboard.objects.get(key="tenant-overview")
    print(f"{Bet.objects.count()} bets, {Tenant.objects.count()} tenants; {RUNS} renders each (uncached queries)")
    dashboards = [
        (executive, "", "executive (platform, 30 days)", None),
        (overview, f"?tenant={tenant.guild_id}", f"tenant overview ({tenant.name}, 30 days)", tenant),
    ]
    failed = report(client, dashboards, "engine")  # every widget's query run by the metric engine
    answers_from_memory()
    report(client, dashboards, "layer")  # the same pages with the query answers given
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
