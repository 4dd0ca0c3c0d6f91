"""`make bench-placement`: what the fraud checks add to placing a bet (issue 5: p95 added < 5 ms).

The cheap checks never run in the request: a receiver of `bet_placed` enqueues a Celery task after
commit. This measures that cost where it is paid — `bet_place` end to end, commit and after-commit
callbacks included — with the receiver connected and disconnected, alternating in rounds so that
machine noise hits both sides alike, against the real PostgreSQL and the real Redis broker (tasks
are pushed, not run; the queue is purged afterwards). Uses the fraud bench database (make bench-fraud).
"""

import os
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
SERVER_URL = os.environ.get("BENCH_SERVER_URL", "postgres://postgres@127.0.0.1:5432")
DATABASE = os.environ.get("BENCH_FRAUD_DATABASE", "dbsbm_bench_fraud")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
ROUNDS = int(os.environ.get("BENCH_PLACEMENT_ROUNDS", "10"))
PER_ROUND = int(os.environ.get("BENCH_PLACEMENT_PER_ROUND", "40"))
TARGET_MS = 5.0

os.environ.update(
    DATABASE_URL=f"{SERVER_URL}/{DATABASE}", REDIS_URL=REDIS_URL, DJANGO_SETTINGS_MODULE="dbsbm.settings.local"
)
os.environ["DJANGO_DEBUG"] = "false"
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    import django

    django.setup()
    from django.utils import timezone

    from apps.betting.models import Capper, Game
    from apps.betting.services import bet_place
    from apps.betting.services.bets import LegInput
    from apps.betting.signals import bet_placed
    from apps.core.actors import Actor
    from apps.fraud.receivers import check_placed_bet
    from dbsbm.celery import app as celery_app

    if not Game.objects.exists():
        print("no demo data: run `make bench-fraud` first (it seeds the fraud bench database)")
        return 2
    capper = Capper.objects.select_related("tenant").filter(tenant__plan_code="enterprise").first() or (
        Capper.objects.select_related("tenant").first()
    )
    tenant = capper.tenant
    game = Game.objects.filter(status="scheduled").first()
    actor = Actor.system("bench placement")
    run = int(time.time())
    timings: dict[bool, list[float]] = {True: [], False: []}
    placed = 0
    for round_number in range(ROUNDS):
        for connected in (True, False) if round_number % 2 == 0 else (False, True):
            if not connected:
                bet_placed.disconnect(dispatch_uid="fraud.check_placed_bet")
            for _ in range(PER_ROUND):
                placed += 1
                legs = [LegInput(market="moneyline", selection="home", odds=-110, game=game.external_id)]
                started = time.perf_counter()
                bet_place(
                    tenant=tenant, actor=actor, external_id=f"p{run}x{placed}", capper=capper,
                    stake_units=Decimal("1.00"), legs=legs, placed_at=timezone.now() - timedelta(seconds=1),
                )  # fmt: skip
                timings[connected].append((time.perf_counter() - started) * 1000)
            if not connected:
                bet_placed.connect(check_placed_bet, dispatch_uid="fraud.check_placed_bet")
    purged = celery_app.control.purge()
    with_checks, without = timings[True], timings[False]
    added_p95 = percentile(with_checks, 0.95) - percentile(without, 0.95)
    print(f"bet_place, {len(with_checks)} calls each way, tenant {tenant.guild_id} (plan {tenant.plan_code})")
    for label, values in (("with the fraud receiver", with_checks), ("without it", without)):
        print(
            f"  {label:<24} p50 {statistics.median(values):6.2f} ms  p95 {percentile(values, 0.95):6.2f} ms"
            f"  mean {statistics.fmean(values):6.2f} ms"
        )
    verdict = "ok" if added_p95 < TARGET_MS else "MISSED"
    print(f"  added at p95: {added_p95:+.2f} ms (target < {TARGET_MS} ms: {verdict}); {purged} queued checks purged")
    return 0


if __name__ == "__main__":
    sys.exit(main())
