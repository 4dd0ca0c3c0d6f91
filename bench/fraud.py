"""`make bench-fraud`: the fraud detectors on planted scenarios, on PostgreSQL in a database of their own.

Re-creates BENCH_FRAUD_DATABASE (default dbsbm_bench_fraud), migrates, seeds BENCH_FRAUD_BETS ordinary
demo bets over BENCH_FRAUD_TENANTS tenants, plants the fraud scenarios (`seed_demo --fraud`'s code),
runs every detector once (detect only: no cases are written) and prints the time per detector, a
confusion matrix (planted truth × detected kind, in cappers) and precision and recall per kind. A
capper is a true positive of a kind when a finding of that kind names them and they were planted as
that kind; any other capper a finding names (ordinary or a hard negative) is a false positive.
"""

import os
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import psycopg

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

SERVER_URL = os.environ.get("BENCH_SERVER_URL", "postgres://postgres@127.0.0.1:5432")
DATABASE = os.environ.get("BENCH_FRAUD_DATABASE", "dbsbm_bench_fraud")
BETS = int(os.environ.get("BENCH_FRAUD_BETS", "30000"))
TENANTS = int(os.environ.get("BENCH_FRAUD_TENANTS", "4"))
SEED = int(os.environ.get("BENCH_FRAUD_SEED", "1"))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
TARGET = 0.9

os.environ.update(
    DATABASE_URL=f"{SERVER_URL}/{DATABASE}", REDIS_URL=REDIS_URL, DJANGO_SETTINGS_MODULE="dbsbm.settings.local"
)
os.environ["DJANGO_DEBUG"] = "false"
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")


def recreate_database() -> None:
    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{DATABASE}"')


def main() -> int:
    recreate_database()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # hand settlements send bet_settled: run the cheap checks in-process instead of queueing them
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from dbsbm.celery import app

    app.conf.task_always_eager = True

    from apps.betting.models import Capper
    from apps.core.actors import Actor
    from apps.demo.fraud_loading import plant_fraud
    from apps.fraud.choices import FraudKind
    from apps.fraud.services import fraud_scan

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", tenants=TENANTS, bets=BETS, seed=SEED, no_progress=True)
    actor = Actor.system("bench-fraud")
    scenarios = plant_fraud(seed=SEED, actor=actor)
    print(f"seeded {BETS} ordinary bets and {len(scenarios)} scenarios in {time.perf_counter() - started:.0f} s")

    capper_of = dict(Capper.objects.values_list("member__discord_user_id", "pk"))
    truth: dict[int, str] = {}
    for scenario in scenarios:
        for _, discord_user_id in scenario.cappers:
            truth[capper_of[discord_user_id]] = scenario.kind
    all_cappers = set(capper_of.values())

    report = fraud_scan(actor=actor, record=False)
    detected: dict[str, set[int]] = defaultdict(set)
    for finding in report.findings:
        detected[finding.kind].update(finding.capper_ids)

    print(f"\nscan of {report.bets} bets, {len(all_cappers)} cappers: {report.seconds:.2f} s")
    print(f"  {'detector':<20} {'findings':>8} {'seconds':>8}")
    for run in report.runs:
        print(f"  {run.kind:<20} {run.findings:>8} {run.seconds:>8.2f}")

    kinds = [kind.value for kind in FraudKind]
    rows = sorted({*truth.values()}, key=lambda name: (name.startswith("negative"), name)) + ["ordinary"]
    matrix: dict[str, Counter] = {row: Counter() for row in rows}
    sizes = Counter()
    for capper_id in all_cappers:
        row = truth.get(capper_id, "ordinary")
        sizes[row] += 1
        flagged = [kind for kind in kinds if capper_id in detected[kind]]
        for kind in flagged or ["none"]:
            matrix[row][kind] += 1
    short = {kind: kind.split("_")[0][:8] for kind in kinds} | {"none": "none"}
    print("\nconfusion matrix (cappers; rows: planted truth, columns: detected kind)")
    print(f"  {'truth':<24} {'n':>5} " + " ".join(f"{short[kind]:>8}" for kind in [*kinds, "none"]))
    for row in rows:
        cells = " ".join(f"{matrix[row][kind]:>8}" for kind in [*kinds, "none"])
        print(f"  {row:<24} {sizes[row]:>5} {cells}")

    print("\nper kind (cappers)")
    print(f"  {'kind':<20} {'TP':>4} {'FP':>4} {'FN':>4} {'TN':>6} {'precision':>9} {'recall':>7}")
    failed = []
    for kind in kinds:
        planted = {capper for capper, name in truth.items() if name == kind}
        found = detected[kind]
        tp, fp, fn = len(found & planted), len(found - planted), len(planted - found)
        tn = len(all_cappers) - tp - fp - fn
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        if precision < TARGET or recall < TARGET:
            failed.append(kind)
        print(f"  {kind:<20} {tp:>4} {fp:>4} {fn:>4} {tn:>6} {precision:>9.2f} {recall:>7.2f}")
    verdict = "met" if not failed else "NOT met: " + ", ".join(failed)
    print(f"\ntarget: precision and recall >= {TARGET} per kind: {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
