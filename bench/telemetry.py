"""`python bench/telemetry.py`: what counting a request costs (issue #14, telemetry: "do not slow requests").

Two figures, against the real Redis (the counts are flushed there every REQUEST_METRICS_FLUSH_SECONDS):

1. `record_request` alone, called in a loop on a resolved request: the per-request work of the middleware
   (series lookup, lock, counter updates), the periodic flushes included.
Both are CPU time of the benchmark's process (time.process_time), so other load on the machine does not
blur them.

2. Whole requests through Django's handler (the test client: every middleware, URL resolution, the view)
   with REQUEST_METRICS_ENABLED on and off, alternating in rounds so that machine noise hits both sides
   alike: `/healthz` (the cheapest view there is, so the middleware's share is as large as it gets) and an
   API path refused with 401 (DRF's stack).

No database is touched (neither view reads one): DATABASE_URL is not needed.
"""

import os
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
ROUNDS = int(os.environ.get("BENCH_TELEMETRY_ROUNDS", "10"))
PER_ROUND = int(os.environ.get("BENCH_TELEMETRY_PER_ROUND", "300"))
LOOP_CALLS = int(os.environ.get("BENCH_TELEMETRY_LOOP_CALLS", "200000"))

os.environ.update(REDIS_URL=REDIS_URL, DJANGO_SETTINGS_MODULE="dbsbm.settings.local")
os.environ["DJANGO_DEBUG"] = "false"
os.environ["MEMORY_MONITORING_ENABLED"] = "false"  # no database here for its snapshots
os.environ["RATELIMIT_ENABLED"] = "false"  # thousands of anonymous requests: the 401 path, not 429
os.environ.setdefault("DJANGO_LOG_LEVEL", "ERROR")


def _per_request_us(client, path: str, count: int) -> float:
    """CPU time of this process per request: other processes on a busy machine do not count."""
    started = time.process_time()
    for _ in range(count):
        client.get(path)
    return (time.process_time() - started) / count * 1e6


def _record_loop() -> float:
    from django.test import RequestFactory
    from django.urls import resolve

    from apps.core.monitoring.requests import request_metrics

    request = RequestFactory().get("/api/v1/tenants/111111111111111111/bets/")
    request.resolver_match = resolve(request.path_info)
    request_metrics.record_request(request, 200, 0.003)
    started = time.process_time()
    for index in range(LOOP_CALLS):
        request_metrics.record_request(request, 200 if index % 10 else 503, 0.003)
    elapsed = time.process_time() - started
    request_metrics.flush()
    return elapsed / LOOP_CALLS * 1e9


def main() -> int:
    import logging

    import django

    django.setup()
    logging.disable(logging.WARNING)  # every 401 would be logged
    from django.conf import settings
    from django.test import Client

    from apps.core.cache.store import default_store
    from apps.core.monitoring.requests import REQUESTS_HASH

    print(f"record_request: {_record_loop():.0f} ns CPU per request ({LOOP_CALLS} calls, flushes included)")
    client = Client(HTTP_HOST="localhost")
    paths = {"/healthz": "healthz", "/api/v1/tenants/111111111111111111/bets/": "API 401"}
    for path in paths:  # warm up: imports, URL resolver, connections
        _per_request_us(client, path, 50)
    for path, name in paths.items():
        on, off = [], []
        for _ in range(ROUNDS):
            settings.REQUEST_METRICS_ENABLED = True
            on.append(_per_request_us(client, path, PER_ROUND))
            settings.REQUEST_METRICS_ENABLED = False
            off.append(_per_request_us(client, path, PER_ROUND))
        settings.REQUEST_METRICS_ENABLED = True
        added = statistics.median(a - b for a, b in zip(on, off, strict=True))
        print(
            f"{name:8} median CPU per request: {statistics.median(on):7.1f} µs counted, "
            f"{statistics.median(off):7.1f} µs not counted; added (median of paired rounds): {added:+.1f} µs"
        )
    default_store().client.delete(default_store().key(REQUESTS_HASH))  # leave the bench's Redis as it was
    return 0


if __name__ == "__main__":
    sys.exit(main())
