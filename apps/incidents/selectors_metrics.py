"""Incident response metrics over time: mean and p90 of the review durations by severity, open incidents by
escalation level (the portal's dashboard charts them).

Each duration is measured over the closed incidents (closed at or after `since`) from `detected_at`, the
first linked event, to the milestone (the same definitions as the review, services/reviews.py); an
incident that never reached a milestone (acknowledged, contained, recovered) is left out of that measure.
On PostgreSQL one query computes them (`avg` and `percentile_cont(0.9)`, the continuous percentile, i.e.
linear interpolation between the two nearest values); elsewhere (the SQLite `make run` configuration) the
same figures are computed in Python.
"""

import math
from datetime import datetime

from django.db import connection
from django.db.models import Count

from apps.incidents.choices import MAX_ESCALATION_LEVEL, IncidentSeverity, IncidentStatus
from apps.incidents.models import Incident

MEASURES = {
    "time_to_detect": "aware_at",
    "time_to_acknowledge": "acknowledged_at",
    "time_to_contain": "contained_at",
    "time_to_recover": "recovered_at",
}
PERCENTILE = 0.9


def percentile_cont(values: list[float], fraction: float) -> float | None:
    """PostgreSQL's percentile_cont: linear interpolation at (n - 1) * fraction of the sorted values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    lower, upper = math.floor(position), math.ceil(position)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def _postgresql_rows(since: datetime | None) -> dict[tuple[str, str], tuple[int, float | None, float | None]]:
    table = Incident._meta.db_table
    found = {}
    for name, column in MEASURES.items():
        seconds = f"EXTRACT(EPOCH FROM ({column} - detected_at))"
        sql = (
            f"SELECT severity, COUNT(*), AVG({seconds}), PERCENTILE_CONT(%s) WITHIN GROUP (ORDER BY {seconds}) "  # noqa: S608 - names are constants
            f"FROM {table} WHERE status = %s AND {column} IS NOT NULL"
            + (" AND closed_at >= %s" if since is not None else "")
            + " GROUP BY severity"
        )
        params = [PERCENTILE, IncidentStatus.CLOSED] + ([since] if since is not None else [])
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for severity, count, mean, p90 in cursor.fetchall():
                found[(severity, name)] = (count, float(mean), float(p90))
    return found


def _python_rows(since: datetime | None) -> dict[tuple[str, str], tuple[int, float | None, float | None]]:
    closed = Incident.objects.filter(status=IncidentStatus.CLOSED)
    if since is not None:
        closed = closed.filter(closed_at__gte=since)
    values: dict[tuple[str, str], list[float]] = {}
    for row in closed.values("severity", "detected_at", *MEASURES.values()):
        for name, column in MEASURES.items():
            if row[column] is not None:
                values.setdefault((row["severity"], name), []).append(
                    (row[column] - row["detected_at"]).total_seconds()
                )
    return {
        key: (len(seconds), sum(seconds) / len(seconds), percentile_cont(seconds, PERCENTILE))
        for key, seconds in values.items()
    }


def incident_metrics(*, since: datetime | None = None) -> dict:
    """{"by_severity": {severity: {"closed": n, measure: {"count", "mean", "p90"} (seconds)}},
    "open_by_level": {level: n} for levels 0 (nobody notified yet) to 4, "since": iso or None}."""
    rows = _postgresql_rows(since) if connection.vendor == "postgresql" else _python_rows(since)
    closed = Incident.objects.filter(status=IncidentStatus.CLOSED)
    if since is not None:
        closed = closed.filter(closed_at__gte=since)
    closed_counts = dict(closed.values_list("severity").annotate(count=Count("pk")).order_by())
    by_severity = {}
    for severity in IncidentSeverity.values:
        entry: dict = {"closed": closed_counts.get(severity, 0)}
        for name in MEASURES:
            count, mean, p90 = rows.get((severity, name), (0, None, None))
            entry[name] = {
                "count": count,
                "mean": round(mean, 3) if mean is not None else None,
                "p90": round(p90, 3) if p90 is not None else None,
            }
        by_severity[severity] = entry
    open_counts = dict(
        Incident.objects.exclude(status=IncidentStatus.CLOSED)
        .values_list("escalation_level")
        .annotate(count=Count("pk"))
        .order_by()
    )
    return {
        "since": since.isoformat() if since is not None else None,
        "by_severity": by_severity,
        "open_by_level": {level: open_counts.get(level, 0) for level in range(MAX_ESCALATION_LEVEL + 1)},
    }
