"""Request metrics and worker memory in the Prometheus text format (the /api/v1/metrics/ endpoint).

Series are per surface and route, not per tenant: a scrape stays small however many guilds there are (the
per-tenant figures are in the analytics samples). Counters are the running totals in Redis, so they go
back to zero only when Redis loses them, which Prometheus' rate() treats as a counter reset.
"""

from collections import defaultdict

from apps.core.cache.store import CACHE_ERRORS
from apps.core.monitoring.requests import (
    LATENCY_BOUNDS_MS,
    LATENCY_SUM_FIELD,
    STATUS_CLASSES,
    bucket_field,
    request_series,
    request_totals,
)
from apps.core.monitoring.workers import worker_reports


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def request_metrics_lines() -> list[str]:
    try:
        totals = request_totals()
    except CACHE_ERRORS:
        totals = {}
    by_route: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for key, counters in request_series(totals).items():
        for counter, amount in counters.items():
            by_route[(key.surface, key.route)][counter] += amount
    lines = [
        "# HELP dbsbm_http_requests_total Answered requests by surface, route and status class.",
        "# TYPE dbsbm_http_requests_total counter",
    ]
    for (surface, route), counters in sorted(by_route.items()):
        for status_class in STATUS_CLASSES:
            if counters.get(status_class):
                labels = f'surface="{surface}",route="{_label(route)}",status_class="{status_class[1:]}"'
                lines.append(f"dbsbm_http_requests_total{{{labels}}} {counters[status_class]}")
    lines += [
        "# HELP dbsbm_http_request_duration_seconds Time to answer, the whole middleware stack.",
        "# TYPE dbsbm_http_request_duration_seconds histogram",
    ]
    for (surface, route), counters in sorted(by_route.items()):
        labels = f'surface="{surface}",route="{_label(route)}"'
        cumulative = 0
        for index, bound in enumerate(LATENCY_BOUNDS_MS):
            cumulative += counters.get(bucket_field(index), 0)
            lines.append(f'dbsbm_http_request_duration_seconds_bucket{{{labels},le="{bound / 1000:g}"}} {cumulative}')
        count = cumulative + counters.get(bucket_field(len(LATENCY_BOUNDS_MS)), 0)
        lines.append(f'dbsbm_http_request_duration_seconds_bucket{{{labels},le="+Inf"}} {count}')
        seconds = counters.get(LATENCY_SUM_FIELD, 0) / 1e6
        lines.append(f"dbsbm_http_request_duration_seconds_sum{{{labels}}} {seconds:g}")
        lines.append(f"dbsbm_http_request_duration_seconds_count{{{labels}}} {count}")
    return lines


def worker_memory_lines() -> list[str]:
    lines = [
        "# HELP dbsbm_worker_resident_memory_bytes Resident memory of each live Celery worker process (heartbeats).",
        "# TYPE dbsbm_worker_resident_memory_bytes gauge",
    ]
    for report in worker_reports():
        labels = f'process="{_label(report.process)}",kind="{report.kind}"'
        lines.append(f"dbsbm_worker_resident_memory_bytes{{{labels}}} {report.rss_bytes}")
    return lines
