"""`make bench-integration`, part 1: webhook dispatch (issue #15).

On its own database (BENCH_WEBHOOKS_DATABASE, default dbsbm_bench_webhooks; created and migrated here) and
Redis (BENCH_REDIS_URL, default index 1) with the full configuration: BENCH_WORKERS (2) real Celery worker
processes (`--pool=threads`, BENCH_WORKER_THREADS each) on every queue, and local receivers on 127.0.0.1 (HTTP
servers in this process that verify every request with the `standardwebhooks` reference implementation).

(a) dispatch rate: BENCH_DELIVERIES events for one endpoint are recorded in one transaction (the lean path:
    a notification and a delivery each, an outbox row per WEBHOOK_SEND_BATCH deliveries), then handed to the
    broker; the rate is the deliveries divided by the time from the commit to the last verified request at the
    receiver. Target >= 300/s.
(b) a hanging receiver: bursts of BENCH_BURST events for a healthy endpoint (BENCH_BURSTS bursts, one every
    0.2 s) are timed from their commit to their arrival, first alone, then while a second endpoint's receiver
    holds every request (never answers within the read timeout) and BENCH_HANGING events for it are queued
    first. The added delay is p95(with the hanging one) - p95(alone). Target < 1 s.
Appends its section (figures, targets, PASS/MISS) to bench/results-integration.md.
"""

import os
import platform
import statistics
import sys
import threading
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

SERVER_URL = os.environ.get("BENCH_SERVER_URL", "postgres://postgres@127.0.0.1:5432")
DATABASE = os.environ.get("BENCH_WEBHOOKS_DATABASE", "dbsbm_bench_webhooks")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/1")
DELIVERIES = int(os.environ.get("BENCH_DELIVERIES", "3000"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
# 4 threads a process: 8 in all, twice the per-endpoint in-flight cap (4). More threads only wait for a slot of
# the one endpoint of the rate run (they poll for it, then park their delivery: a task more each), for no gain.
THREADS = int(os.environ.get("BENCH_WORKER_THREADS", "4"))
BURST, BURSTS = int(os.environ.get("BENCH_BURST", "20")), int(os.environ.get("BENCH_BURSTS", "10"))
HANGING = int(os.environ.get("BENCH_HANGING", "100"))
RESULTS = BASE_DIR / "bench" / "results-integration.md"
RATE_TARGET, DELAY_TARGET = 300.0, 1.0

os.environ.update(
    DATABASE_URL=f"{SERVER_URL}/{DATABASE}",
    REDIS_URL=REDIS_URL,
    DJANGO_SETTINGS_MODULE="dbsbm.settings.local",
    DJANGO_DEBUG="false",
    WEBHOOK_ALLOWED_PRIVATE_NETWORKS="127.0.0.0/8",  # the receivers are local; nothing else is called
)
WORKER_ENV = {
    "DJANGO_SETTINGS_MODULE": "dbsbm.settings.local",
    "DJANGO_DEBUG": "false",
    "REDIS_URL": REDIS_URL,
    "WEBHOOK_ALLOWED_PRIVATE_NETWORKS": "127.0.0.0/8",
    "DATABASE_POOL_MAX_SIZE": str(THREADS + 4),  # one connection per thread (the outbox run holds it)
    "MEMORY_MONITORING_ENABLED": "false",
}

import django  # noqa: E402 - the settings above first

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django_redis import get_redis_connection  # noqa: E402

from apps.core.actors import Actor  # noqa: E402
from apps.core.outbox import outbox_dispatch  # noqa: E402
from apps.integration.webhooks.services import webhook_subscription_create  # noqa: E402
from apps.notifications.models import Delivery, Notification, WebhookEndpoint  # noqa: E402
from apps.notifications.services import WebhookEvent, webhook_events_publish  # noqa: E402
from apps.notifications.services.webhook_delivery import InFlightSlot  # noqa: E402
from apps.tenants.models import Tenant  # noqa: E402
from dbsbm.celery import app as celery_app  # noqa: E402
from tests.integration.webhooks_support import Receiver, start_worker, stop_worker, wait_until  # noqa: E402

ACTOR = Actor.system("bench")


def _prepare() -> Tenant:
    os.system(f"{sys.executable} {BASE_DIR / 'scripts' / 'ensure_database.py'}")  # noqa: S605 - our own script
    call_command("migrate", verbosity=0)
    Delivery.objects.all().delete()
    Notification.objects.all().delete()
    WebhookEndpoint.objects.filter(tenant__guild_id="900000000000000001").delete()
    tenant, _ = Tenant.objects.update_or_create(
        guild_id="900000000000000001", defaults={"name": "Bench Guild", "plan_code": "enterprise"}
    )
    celery_app.control.purge()
    return tenant


def _subscribe(tenant: Tenant, receiver: Receiver, name: str) -> WebhookEndpoint:
    endpoint = webhook_subscription_create(
        tenant=tenant, actor=ACTOR, name=name, url=receiver.url, event_kinds=["bet.placed"]
    )
    receiver.secret = endpoint.secret
    return endpoint


def _publish(tenant: Tenant, endpoint: WebhookEndpoint, count: int, prefix: str) -> float:
    """Record `count` events for one endpoint in one transaction (the fan-out's bulk path: a few INSERTs, the
    outbox rows handed to the broker after commit in batches); returns the monotonic time of the commit."""
    committed = [0.0]
    events = [
        WebhookEvent(
            tenant_id=tenant.pk,
            guild_id=tenant.guild_id,
            event_type="bet.placed",
            key=f"{prefix}:{number}",
            data={"bet_id": number},
            endpoint_ids=(endpoint.pk,),
        )  # fmt: skip
        for number in range(count)
    ]
    with transaction.atomic():
        # the first callback after the commit: the moment it committed (the outbox's own dispatch follows)
        transaction.on_commit(lambda: committed.__setitem__(0, time.monotonic()))
        webhook_events_publish(events=events)
    while outbox_dispatch(limit=1000):  # whatever the after-commit dispatch left (none, normally)
        pass
    return committed[0]


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes (all their threads), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def _rate(tenant: Tenant, worker_pids: list[int]) -> dict:
    receiver = Receiver()
    endpoint = _subscribe(tenant, receiver, "rate")
    _publish(tenant, endpoint, 100, "warmup")
    wait_until(lambda: len(receiver.received) >= 100, timeout=120, what="the warm-up")
    receiver.received.clear()
    started, load_before = time.monotonic(), os.getloadavg()[0]
    cpu_before = _cpu_seconds(worker_pids)
    committed = _publish(tenant, endpoint, DELIVERIES, "rate")
    recorded = committed - started
    wait_until(lambda: len(receiver.received) >= DELIVERIES, timeout=600, step=0.02, what="every delivery")
    last = max(moment for moment, _, _ in receiver.received)
    worker_cpu = _cpu_seconds(worker_pids) - cpu_before
    receiver.close()
    return {
        "worker_cpu_ms": worker_cpu * 1000 / DELIVERIES,
        "load": (load_before, os.getloadavg()[0]),
        "deliveries": DELIVERIES,
        "record_seconds": recorded,
        "seconds": last - committed,
        "rate": DELIVERIES / (last - committed),
        "refused": receiver.refused,
    }


def _bursts(tenant: Tenant, endpoint: WebhookEndpoint, receiver: Receiver, label: str) -> list[float]:
    """Latency of each delivery (the commit of its burst -> verified at the receiver), in seconds; the burst is
    read back from the webhook-id (`<label>:<burst>:<number>:webhook:<endpoint>`)."""
    receiver.received.clear()
    commits = []
    for burst in range(BURSTS):
        commits.append(_publish(tenant, endpoint, BURST, f"{label}:{burst}"))
        time.sleep(0.2)
    wait_until(lambda: len(receiver.received) >= BURST * BURSTS, timeout=120, what=f"the {label} bursts")
    return [moment - commits[int(headers["webhook-id"].split(":")[1])] for moment, headers, _ in receiver.received]


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def _in_flight_sampler(endpoint: WebhookEndpoint, stop: threading.Event, most: list[int]) -> None:
    """The most requests to the endpoint in flight at once, read from the cap's own Redis set every 20 ms (the
    receiver cannot count it: a request the worker gave up on at its read timeout still hangs there)."""
    slot = InFlightSlot(endpoint.pk)
    client = get_redis_connection("default")
    while not stop.wait(0.02):
        most[0] = max(most[0], client.zcount(slot.key, time.time() * 1000, "+inf"))


def _hanging(tenant: Tenant) -> dict:
    healthy, hanging = Receiver(), Receiver()
    healthy_endpoint = _subscribe(tenant, healthy, "healthy")
    alone = _bursts(tenant, healthy_endpoint, healthy, "alone")
    hanging.mode = "hang"
    hanging_endpoint = _subscribe(tenant, hanging, "hanging")
    stop, most = threading.Event(), [0]
    sampler = threading.Thread(target=_in_flight_sampler, args=(hanging_endpoint, stop, most), daemon=True)
    sampler.start()
    _publish(tenant, hanging_endpoint, HANGING, "hanging")
    wait_until(lambda: hanging.hits >= 1, timeout=30, what="the hanging receiver's first request")
    beside = _bursts(tenant, healthy_endpoint, healthy, "beside")
    stop.set()
    sampler.join()
    most_in_flight = most[0]
    hanging.close()
    healthy.close()
    return {
        "alone_p50": statistics.median(alone), "alone_p95": _p95(alone), "alone_max": max(alone),
        "beside_p50": statistics.median(beside), "beside_p95": _p95(beside), "beside_max": max(beside),
        "added_p95": _p95(beside) - _p95(alone), "hanging_in_flight": most_in_flight,
    }  # fmt: skip


def _section(rate: dict, hang: dict) -> str:
    rate_ok = rate["rate"] >= RATE_TARGET
    delay_ok = hang["added_p95"] < DELAY_TARGET
    return f"""
## Webhook dispatch (issue #15, `bench/integration_webhooks.py`)

{time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}, {platform.machine()} with {os.cpu_count()} CPU(s) (shared
with other work: figures are a floor), PostgreSQL and Redis on localhost, {WORKERS} Celery worker processes
`--pool=threads --concurrency={THREADS}`, WEBHOOK_SEND_BATCH={settings.WEBHOOK_SEND_BATCH}, OUTBOUND_KEEPALIVE_PER_ADDRESS={settings.OUTBOUND_KEEPALIVE_PER_ADDRESS}, receivers on 127.0.0.1 verifying every request with `standardwebhooks`.

| measure | figure | target | result |
|---|---|---|---|
| dispatch rate, {rate["deliveries"]} deliveries to one endpoint (commit → last verified request) | {rate["rate"]:.0f}/s ({rate["seconds"]:.2f} s) | ≥ {RATE_TARGET:.0f}/s | {"PASS" if rate_ok else "MISS"} |
| delay a hanging receiver adds to another endpoint (p95 of {BURST}×{BURSTS} deliveries) | {hang["added_p95"] * 1000:.0f} ms | < {DELAY_TARGET * 1000:.0f} ms | {"PASS" if delay_ok else "MISS"} |

- Load average of the machine (1 min) at the start and the end of the rate run: {rate["load"][0]:.1f} and
  {rate["load"][1]:.1f} on {os.cpu_count()} CPU(s). The workers used {rate["worker_cpu_ms"]:.1f} ms of CPU per delivery (Celery,
  the outbox run, the delivery row, signing, the HTTP call): on {WORKERS} idle cores that is a capacity of about
  {WORKERS * 1000 / max(rate["worker_cpu_ms"], 0.001):.0f}/s (derived from the CPU time, not measured).
- Recording the {rate["deliveries"]} events (notification + delivery each, an outbox row per {settings.WEBHOOK_SEND_BATCH}, one transaction) took
  {rate["record_seconds"]:.2f} s before the commit (not part of the rate); signatures refused by the receiver: {rate["refused"]}.
- Healthy endpoint alone: p50 {hang["alone_p50"] * 1000:.0f} ms, p95 {hang["alone_p95"] * 1000:.0f} ms, max {hang["alone_max"] * 1000:.0f} ms;
  beside a receiver that never answers ({HANGING} deliveries queued for it first): p50 {hang["beside_p50"] * 1000:.0f} ms,
  p95 {hang["beside_p95"] * 1000:.0f} ms, max {hang["beside_max"] * 1000:.0f} ms. The hanging receiver held at most
  {hang["hanging_in_flight"]} worker slots at once (WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT, sampled from the cap's Redis set); its
  other deliveries were parked, not retried in a loop.
"""  # noqa: E501


def main() -> int:
    tenant = _prepare()
    workers = [
        start_worker(
            database_url=os.environ["DATABASE_URL"], env=WORKER_ENV, concurrency=THREADS, name=f"bench-webhooks-{n}"
        )
        for n in range(WORKERS)
    ]
    try:
        rate = _rate(tenant, [worker.pid for worker in workers])
        print(f"dispatch: {rate}")  # noqa: T201
        hang = _hanging(tenant)
        print(f"hanging receiver: {hang}")  # noqa: T201
    finally:
        for worker in workers:
            stop_worker(worker)
    section = _section(rate, hang)
    with RESULTS.open("a") as handle:
        handle.write(section)
    print(section)  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
