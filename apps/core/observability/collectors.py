"""The metric families observability adds to /api/v1/metrics/, rendered by prometheus_client.

Read at scrape time: the HTTP and task counters every process flushed to Redis (counters.py), the
processes' pool snapshots (pool.py), the broker's queue lengths and the outbox's backlog (queues.py).
A source that cannot be read (Redis or the broker down) leaves its families out, and `dbsbm_scrape_ok`
says which.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db import DatabaseError
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

from apps.core.cache.store import CACHE_ERRORS
from apps.core.observability.counters import SEPARATOR, SUM_FIELD, bucket_field, celery_tasks, http_responses
from apps.core.observability.pool import pool_snapshots
from apps.core.observability.queues import broker_queue_depths, outbox_backlog
from apps.core.observability.receivers import FAILURE_COUNT


@dataclass(frozen=True)
class LabelledGauge:
    """A gauge family an app above core contributes (core cannot import it): read at scrape time as
    {label value: number}. The integration app adds the results feed's lag this way."""

    name: str
    documentation: str
    label: str
    read: Callable[[], dict[str, float]]


_APP_GAUGES: dict[str, LabelledGauge] = {}


def metrics_gauge_register(gauge: LabelledGauge) -> None:
    """Add (or replace, by name) a gauge family of an app; called from its AppConfig.ready()."""
    _APP_GAUGES[gauge.name] = gauge


def _histograms(totals, bounds) -> dict[tuple[str, ...], tuple[list[tuple[str, float]], float]]:
    """{labels: (cumulative buckets, sum in seconds)} from a family's flushed totals."""
    counts: dict[tuple[str, ...], dict[str, int]] = defaultdict(dict)
    for (labels, counter), amount in totals.items():
        counts[labels][counter] = amount
    histograms = {}
    for labels, counters in counts.items():
        if SUM_FIELD not in counters:
            continue  # a named count only (task failures)
        cumulative, buckets = 0, []
        for index, bound in enumerate((*bounds, float("inf"))):
            cumulative += counters.get(bucket_field(index), 0)
            buckets.append(("+Inf" if bound == float("inf") else f"{bound:g}", cumulative))
        histograms[labels] = (buckets, counters[SUM_FIELD] / 1e6)
    return histograms


def _http_labels(labels: tuple[str, ...]) -> list[str]:
    surface, *route, status = labels  # a route pattern may hold the separator: rejoin it
    return [surface, SEPARATOR.join(route), status]


class ObservabilityCollector:
    """A prometheus_client collector over the shared sources (no state of its own)."""

    def collect(self):
        scrape_ok = GaugeMetricFamily("dbsbm_scrape_ok", "Whether a metrics source could be read.", labels=["source"])
        for source, families in (
            ("http", self._http),
            ("celery_tasks", self._tasks),
            ("db_pool", self._pools),
            ("broker", self._queues),
            ("outbox", self._outbox),
            *((gauge.name, self._app_gauge(gauge)) for gauge in _APP_GAUGES.values()),
        ):
            try:
                yield from families()
            except CACHE_ERRORS:
                scrape_ok.add_metric([source], 0)
            else:
                scrape_ok.add_metric([source], 1)
        yield scrape_ok

    def _http(self):
        family = HistogramMetricFamily(
            "dbsbm_http_server_duration_seconds",
            "Time to answer by route and status code (the middleware stack inside the request counters).",
            labels=["surface", "route", "status"],
        )
        for labels, (buckets, total) in sorted(_histograms(http_responses.totals(), http_responses.bounds).items()):
            family.add_metric(_http_labels(labels), buckets, total)
        yield family

    def _tasks(self):
        totals = celery_tasks.totals()
        durations = HistogramMetricFamily(
            "dbsbm_celery_task_duration_seconds",
            "Celery task run time by task and final state (SUCCESS, FAILURE, RETRY).",
            labels=["task", "state"],
        )
        for labels, (buckets, total) in sorted(_histograms(totals, celery_tasks.bounds).items()):
            durations.add_metric(list(labels), buckets, total)
        failures = CounterMetricFamily(
            "dbsbm_celery_task_failures", "Task runs that raised, by task and exception.", labels=["task", "exception"]
        )
        for (labels, counter), amount in sorted(totals.items()):
            if counter == FAILURE_COUNT:
                failures.add_metric(list(labels), amount)
        yield durations
        yield failures

    def _pools(self):
        labels = ["process", "kind"]
        connections = GaugeMetricFamily(
            "dbsbm_db_pool_connections", "Open pool connections by state, per process.", labels=[*labels, "state"]
        )
        maximum = GaugeMetricFamily("dbsbm_db_pool_max_connections", "The pool's maximum size.", labels=labels)
        waiting = GaugeMetricFamily("dbsbm_db_pool_waiting_requests", "Requests waiting for one.", labels=labels)
        wait = CounterMetricFamily(
            "dbsbm_db_pool_wait_seconds", "Time spent waiting for a connection since the pool opened.", labels=labels
        )
        for snapshot in pool_snapshots():
            process = [snapshot.process, snapshot.kind]
            connections.add_metric([*process, "in_use"], snapshot.size - snapshot.available)
            connections.add_metric([*process, "idle"], snapshot.available)
            maximum.add_metric(process, snapshot.maximum)
            waiting.add_metric(process, snapshot.waiting)
            wait.add_metric(process, snapshot.wait_ms / 1000)
        yield from (connections, maximum, waiting, wait)

    def _queues(self):
        depths = broker_queue_depths()
        if depths is None:
            raise ConnectionError("broker unreachable")  # an OSError: reported in dbsbm_scrape_ok
        family = GaugeMetricFamily("dbsbm_celery_queue_messages", "Messages waiting in a queue.", labels=["queue"])
        for name, depth in sorted(depths.items()):
            family.add_metric([name], depth)
        yield family

    @staticmethod
    def _app_gauge(gauge: LabelledGauge):
        def families():
            family = GaugeMetricFamily(gauge.name, gauge.documentation, labels=[gauge.label])
            try:
                readings = gauge.read()
            except DatabaseError as error:
                raise ConnectionError(f"{gauge.name}: {error}") from error  # an OSError: in dbsbm_scrape_ok
            for value, number in sorted(readings.items()):
                family.add_metric([value], number)
            yield family

        return families

    def _outbox(self):
        backlog = outbox_backlog()
        yield GaugeMetricFamily(
            "dbsbm_outbox_pending_messages", "Outbox messages due, not yet handed to the broker.", value=backlog.pending
        )
        yield GaugeMetricFamily(
            "dbsbm_outbox_oldest_pending_age_seconds",
            "Age of the oldest due message not yet handed to the broker (0: none).",
            value=backlog.oldest_age_seconds,
        )
        yield GaugeMetricFamily(
            "dbsbm_outbox_given_up_messages", "Messages that failed OUTBOX_MAX_ATTEMPTS runs.", value=backlog.given_up
        )


def observability_metrics_text() -> str:
    """The families above in the Prometheus text format."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ObservabilityCollector())
    return generate_latest(registry).decode()
