"""`make bench-ml`, the registry's part: predict p95 (issue #16 "Speed": predict p95 under 20 ms).

On its own re-created database (BENCH_ML_DATABASE, default dbsbm_bench_ml): trains `demo_logistic` (logistic
regression, 3 features) through the registry (skops artifact, SHA-256, champion), mints a tenant key with
`ml:predict`, then POSTs /api/v1/ml/models/demo_logistic/predict/ through Django's test client (the whole
middleware, authentication, throttling and DRF stack; no network) BENCH_ML_PREDICT_REQUESTS times (default
1,000) with one input row and 100 input rows, the prediction log sampled at the default 10%. The first call
loads and verifies the artifact (measured apart: the cold load); the rest use the in-process cache.
Appends its section to bench/results-ml.md.
"""

import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
SERVER_URL = os.environ.get("BENCH_SERVER_URL", "postgres://postgres@127.0.0.1:5432")
DATABASE = os.environ.get("BENCH_ML_DATABASE", "dbsbm_bench_ml")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
REQUESTS = int(os.environ.get("BENCH_ML_PREDICT_REQUESTS", "1000"))
TARGET_MS = 20.0
RESULTS = BASE_DIR / "bench" / "results-ml.md"

os.environ.update(
    DATABASE_URL=f"{SERVER_URL}/{DATABASE}", REDIS_URL=REDIS_URL, DJANGO_SETTINGS_MODULE="dbsbm.settings.local"
)
os.environ["DJANGO_DEBUG"] = "false"
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
os.environ.setdefault("RATELIMIT_ENABLED", "false")
os.environ.setdefault("DBSBM_MASTER_KEY", "YmVuY2gtbWwtbWFzdGVyLWtleS1ub3Qtc2VjcmV0LTE=")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def recreate_database() -> None:
    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{DATABASE}"')


def measure(client, secret: str, rows: int) -> tuple[float, list[float]]:
    """The first call's time (cold: load + verify the artifact) and every later call's, in ms."""
    from apps.ml.registry.artifacts import loaded_estimators

    loaded_estimators.clear()
    body = {"inputs": [{"x1": 0.1 * i, "x2": -0.5, "x3": 1.0} for i in range(rows)]}
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    timings = []
    for _ in range(REQUESTS + 1):
        started = time.perf_counter()
        response = client.post(
            "/api/v1/ml/models/demo_logistic/predict/", body, content_type="application/json", **headers
        )
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content
        assert len(response.json()["predictions"]) == rows
    return timings[0], timings[1:]


def main() -> int:
    recreate_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from apps.accounts.services import api_key_create
    from apps.core.actors import Actor
    from apps.ml.registry import demo
    from apps.ml.registry.services import model_version_create
    from apps.tenants.services import tenant_create

    call_command("migrate", verbosity=0)
    actor = Actor.system("bench")
    version = model_version_create(demo.NAME, demo.train({"rows": 5000}, lambda *_: None), actor=actor)
    tenant = tenant_create(actor=actor, guild_id="930000000000000001", name="Bench ML")
    _, secret = api_key_create(actor=actor, name="bench", scopes=["ml:predict"], tenant=tenant)
    client = Client()
    lines = [
        f"\n## Predict p95 ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} cores)\n",
        f"`demo_logistic` v{version.number} ({version.artifact_size} bytes of skops), Django test client, "
        f"{REQUESTS} calls each, prediction log sampled at 10%.\n",
        "| input rows per call | cold first call (ms) | p50 (ms) | p95 (ms) | p99 (ms) | target p95 | verdict |",
        "|---:|---:|---:|---:|---:|---:|---|",
    ]
    for rows in (1, 100):
        cold, timings = measure(client, secret, rows)
        p95 = percentile(timings, 0.95)
        verdict = "PASS" if p95 < TARGET_MS else "MISS"
        lines.append(
            f"| {rows} | {cold:.1f} | {statistics.median(timings):.2f} | {p95:.2f} | {percentile(timings, 0.99):.2f} "
            f"| < {TARGET_MS:.0f} | {verdict} |"
        )
        print(lines[-1])
    with RESULTS.open("a") as results:
        results.write("\n".join(lines) + "\n")
    print(f"appended to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
