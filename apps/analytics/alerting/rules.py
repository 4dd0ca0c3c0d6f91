"""A rule's stored query turned into the checked metric query of its window at a given moment, and each
series of the answer reduced to the one number its condition compares.

The stored query holds no dates: `window` buckets of the grain, ending with the bucket `now` falls in (in
the tenant's time zone, UTC for the platform), are evaluated. The current bucket is still filling, as in
Grafana: a rule on `last` of a day's figure sees today's figure so far. Buckets after `now` (the rest of
today's hours) are left out, so a 0-filled future never lowers a mean or a minimum.
"""

import math
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils.translation import gettext as _

from apps.analytics.metrics import METRICS
from apps.analytics.query import FILTER_PREFIX, MetricQuery, QueryResult
from apps.core.errors import ApplicationError

QUERY_KEYS = ("metrics", "grain", "group_by")

REDUCERS: dict[str, Callable[[list[float]], float]] = {
    "last": lambda values: values[-1],
    "mean": lambda values: math.fsum(values) / len(values),
    "max": max,
    "min": min,
    "sum": math.fsum,
}


def condition_met(condition: str, value: float | None, threshold: float, threshold_high: float | None) -> bool:
    """The condition on a reduced value; no value (no data) never meets it."""
    if value is None:
        return False
    tests = {
        "gt": lambda: value > threshold,
        "gte": lambda: value >= threshold,
        "lt": lambda: value < threshold,
        "lte": lambda: value <= threshold,
        "eq": lambda: math.isclose(value, threshold, rel_tol=1e-9, abs_tol=1e-12),
        "ne": lambda: not math.isclose(value, threshold, rel_tol=1e-9, abs_tol=1e-12),
        "outside": lambda: value < threshold or value > (threshold_high if threshold_high is not None else threshold),
    }
    return tests[condition]()


def reduce_values(reducer: str, values: list[float | None]) -> float | None:
    """The window's values reduced (empty buckets of a ratio left out); None when nothing is left."""
    present = [float(value) for value in values if value is not None]
    return REDUCERS[reducer](present) if present else None


def _error(message: str, field_name: str) -> ApplicationError:
    return ApplicationError(message, code="invalid_query", fields={field_name: [message]})


def query_check_shape(query: Mapping) -> dict[str, str]:
    """The stored query as strings with only the keys a rule may hold; one metric exactly."""
    if not isinstance(query, Mapping):
        raise _error(_("The query is an object of metric query parameters."), "metrics")
    unknown = sorted(key for key in query if key not in QUERY_KEYS and not str(key).startswith(FILTER_PREFIX))
    if unknown:
        raise _error(
            _(
                "Unknown query parameter %(unknown)s: a rule's query takes %(QUERY_KEYS)s and "
                "%(FILTER_PREFIX)s<dimension> (the window replaces from and to)."
            )
            % {"unknown": ", ".join(unknown), "QUERY_KEYS": ", ".join(QUERY_KEYS), "FILTER_PREFIX": FILTER_PREFIX},
            "metrics",
        )
    clean = {str(key): str(value).strip() for key, value in query.items() if value not in (None, "")}
    names = [name.strip() for name in clean.get("metrics", "").split(",") if name.strip()]
    if len(names) > 1:
        raise _error(_("An alert rule watches one metric; got %(names)s.") % {"names": ", ".join(names)}, "metrics")
    return clean


def _month_start(day: date, months_back: int) -> date:
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def window_start(grain: str, window: int, local: datetime) -> date:
    """The first day the window touches, for `window` buckets ending with the one `local` falls in."""
    today = local.date()
    if grain == "hour":
        return (local - timedelta(hours=window - 1)).date()
    if grain == "week":
        return today - timedelta(days=today.weekday() + 7 * (window - 1))
    if grain == "month":
        return _month_start(today, window - 1)
    return today - timedelta(days=window - 1)  # day, and none: the last `window` days as one bucket


def current_bucket(grain: str, local: datetime) -> str:
    """The label of the bucket `local` falls in, as the query's rows name it."""
    today = local.date()
    if grain == "hour":
        return local.strftime("%Y-%m-%dT%H:00")
    if grain == "week":
        return (today - timedelta(days=today.weekday())).isoformat()
    if grain == "month":
        return today.replace(day=1).isoformat()
    return today.isoformat()


def rule_query(*, query: Mapping, window: int, tenant, now: datetime) -> MetricQuery:
    """The checked metric query of the window ending at `now`; a 400 naming what is allowed when the
    stored query is not valid (any more: a metric removed from the registry)."""
    clean = query_check_shape(query)
    zone_name = tenant.timezone if tenant is not None else "UTC"
    local = now.astimezone(zoneinfo.ZoneInfo(zone_name))
    grain = clean.get("grain") or "day"
    start = window_start(grain if grain in ("hour", "week", "month") else "day", max(1, window), local)
    return MetricQuery.parse({**clean, "from": start.isoformat(), "to": local.date().isoformat()}, tenant=tenant)


@dataclass(frozen=True)
class Series:
    key: str  # "" without group_by; "league=nba,market=parlay" with
    labels: dict[str, str]
    values: list[float | None]


def series_of(result: QueryResult, query: MetricQuery, *, window: int, now: datetime) -> list[Series]:
    """Each series of the answer: its last `window` buckets up to the current one."""
    metric = query.metrics[0]
    dimensions = list(query.group_by)
    grain = query.grain
    local = now.astimezone(zoneinfo.ZoneInfo(query.timezone_name))
    current = current_bucket(grain, local) if grain else None
    by_key: dict[tuple, list] = {}
    bucket_index = result.columns.index(grain) if grain else None
    value_index = result.columns.index(metric)
    for row in result.rows:
        if bucket_index is not None and row[bucket_index] > current:
            continue
        by_key.setdefault(tuple(row[: len(dimensions)]), []).append(row[value_index])
    found = []
    for key_values, values in sorted(by_key.items(), key=lambda item: [str(part) for part in item[0]]):
        labels = {name: "" if value is None else str(value) for name, value in zip(dimensions, key_values, strict=True)}
        key = ",".join(f"{name}={value}" for name, value in labels.items())[:300]
        found.append(Series(key=key, labels=labels, values=values[-window:] if grain else values))
    return found


def value_text(metric_name: str, value: float | None) -> str:
    """The value in the metric's own format (the registry's d3 formats are Python format specs too)."""
    if value is None:
        return "no data"
    metric = METRICS.get(metric_name)
    try:
        text = format(value, metric.format) if metric is not None else f"{value:g}"
    except ValueError:
        text = f"{value:g}"
    return f"{text} {metric.unit}" if metric is not None and metric.unit not in ("ratio", "score") else text
