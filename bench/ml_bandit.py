"""`make bench-ml` (bandit part): the regret of Thompson sampling against fixed 50/50 allocation, and the cost of
the bandit on the predict path, on PostgreSQL in a database of its own.

1. Regret: two arms of known true rates (BENCH_BANDIT_RATES, default 0.05,0.07: a challenger 2 points better, as
   a model upgrade might be), BENCH_BANDIT_STEPS steps (default 10,000) on BENCH_BANDIT_SEEDS seeds (default 20);
   the final cumulative regret of each policy, mean ± standard deviation, min and max over seeds.
2. Latency: re-creates BENCH_BANDIT_DATABASE (default dbsbm_bench_ml_bandit), migrates, starts a bandit and times
   BENCH_BANDIT_CALLS calls of `bandit_route` (read the arms, store the step) and of `bandit_reward` (lock the
   step, update it and the arm): p50, p95, p99 in ms.
Its section of bench/results-ml.md is replaced (or appended) with the figures.
"""

import os
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import psycopg

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

SERVER_URL = os.environ.get("BENCH_SERVER_URL", "postgres://postgres@127.0.0.1:5432")
DATABASE = os.environ.get("BENCH_BANDIT_DATABASE", "dbsbm_bench_ml_bandit")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
RATES = [float(rate) for rate in os.environ.get("BENCH_BANDIT_RATES", "0.05,0.07").split(",")]
STEPS = int(os.environ.get("BENCH_BANDIT_STEPS", "10000"))
SEEDS = int(os.environ.get("BENCH_BANDIT_SEEDS", "20"))
CALLS = int(os.environ.get("BENCH_BANDIT_CALLS", "2000"))
RESULTS = BASE_DIR / "bench" / "results-ml.md"
HEADING = "## Bandit: regret and routing cost"

os.environ.update(
    DATABASE_URL=f"{SERVER_URL}/{DATABASE}", REDIS_URL=REDIS_URL, DJANGO_SETTINGS_MODULE="dbsbm.settings.local"
)
os.environ["DJANGO_DEBUG"] = "false"
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")


def recreate_database() -> None:
    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{DATABASE}"')


def percentiles(samples: list[float]) -> str:
    p50, p95, p99 = np.percentile(np.asarray(samples) * 1000, [50, 95, 99])
    return f"p50 {p50:.2f} ms, p95 {p95:.2f} ms, p99 {p99:.2f} ms"


def write_section(lines: list[str]) -> None:
    text = RESULTS.read_text() if RESULTS.exists() else "# ML benchmarks (`make bench-ml`)\n"
    start = text.find(HEADING)
    if start >= 0:
        end = text.find("\n## ", start + len(HEADING))
        text = text[:start] + text[end + 1 :] if end >= 0 else text[:start]
    RESULTS.write_text(text.rstrip("\n") + "\n\n" + "\n".join([HEADING, "", *lines]) + "\n")


def main() -> int:
    recreate_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from apps.core.actors import Actor
    from apps.ml.experiments.routing import bandit_route
    from apps.ml.experiments.services import bandit_create, bandit_reward, bandit_simulation_run, bandit_start

    started = time.perf_counter()
    simulation = bandit_simulation_run(true_rates=RATES, steps=STEPS, seeds=SEEDS)
    simulated_in = time.perf_counter() - started
    result = simulation.result

    actor = Actor.system("bench")
    bandit_start(
        bandit=bandit_create(model_name="bench_model", arms=["champion", "challenger"], actor=actor), actor=actor
    )
    rng = np.random.default_rng(1)
    route_times, reward_times = [], []
    chosen = {"champion": 0, "challenger": 0}
    for _ in range(CALLS):  # each reward arrives before the next call: the live loop, one process
        prediction_id = uuid.uuid4()
        started = time.perf_counter()
        alias = bandit_route("bench_model", prediction_id)
        route_times.append(time.perf_counter() - started)
        chosen[alias] += 1
        reward = float(rng.random() < (RATES[1] if alias == "challenger" else RATES[0]))
        started = time.perf_counter()
        bandit_reward(prediction_id=prediction_id, reward=reward)
        reward_times.append(time.perf_counter() - started)

    thompson, fixed = result["thompson"], result["fixed_50_50"]
    lines = [
        f"Two arms with true rates {', '.join(f'{rate:g}' for rate in RATES)}; {STEPS:,} steps; {SEEDS} seeds "
        f"(simulated in {simulated_in:.1f} s). Regret = expected reward lost against always playing the best arm.",
        "",
        "| policy | final cumulative regret (mean ± sd) | min | max |",
        "|---|---|---|---|",
        f"| Thompson sampling (Beta(1,1) prior) | {thompson['mean']:.1f} ± {thompson['std']:.1f} | "
        f"{thompson['min']:.1f} | {thompson['max']:.1f} |",
        f"| fixed 50/50 | {fixed['mean']:.1f} ± {fixed['std']:.1f} | {fixed['min']:.1f} | {fixed['max']:.1f} |",
        "",
        f"Thompson sampling's regret is {thompson['mean'] / fixed['mean']:.0%} of fixed 50/50's on these arms.",
        "",
        f"Routing cost on PostgreSQL ({CALLS:,} calls, one process, load average {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} cores): `bandit_route` {percentiles(route_times)}; `bandit_reward` "
        f"{percentiles(reward_times)}.",
        f"Live run with rewards drawn at {RATES[0]:g} (champion) / {RATES[1]:g} (challenger): champion got "
        f"{chosen['champion']}, challenger {chosen['challenger']} of the calls (one run; the regret figures above "
        "are the test of the policy).",
    ]
    write_section(lines)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
