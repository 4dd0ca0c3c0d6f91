"""Metric queries: parsed and checked once, answered by the sources, shaped as columns and rows.

`MetricQuery.parse(params, tenant=…)` turns API parameters (or a widget's, an alert rule's, a report's
stored query) into a checked query, or raises a 400 (`ApplicationError`) that names what is allowed.
`run_query(query)` answers it: `QueryResult.columns` are the group-by dimensions, then the time bucket
(named by the grain: `day`, `week`…) when there is a grain, then the metric names; `rows` are lists in that
order, sorted by dimensions then time. `labels` names dimension values for display (league key → name).
"""

import re
import zoneinfo
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from apps.analytics.metrics import DIMENSIONS, GRAINS, METRICS, Metric
from apps.betting.choices import Market
from apps.core.errors import ApplicationError
from apps.core.replica import replica_reads

MAX_METRICS = 8
# the longest range each grain answers (days): a year of hours or ten years of days is not a chart
MAX_RANGE_DAYS = {"hour": 14, "day": 400, "week": 5 * 366, "month": 10 * 366, None: 10 * 366}
FILTER_PREFIX = "filter_"  # ?filter_league=nba,nhl
MAX_FILTER_VALUES = 100
MAX_VALUE_LENGTH = 100
# the dimensions whose values are a closed set: a filter naming anything else is refused, naming the set
CLOSED_VALUES = {"market": (*Market.values, "parlay"), "bet_type": ("single", "parlay")}
_CAPPER_ID = re.compile(r"^[0-9]{1,18}$")  # a capper's id: a bigint (longer numbers overflow PostgreSQL)
# the days a query may name: beyond them the range's instants overflow (9999-12-31 + 1 day) or mean nothing
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)


@dataclass(frozen=True)
class MetricQuery:
    metrics: tuple[str, ...]
    start: date  # first day, inclusive, in the tenant's time zone (UTC for platform-wide)
    end: date  # last day, inclusive
    grain: str | None = "day"  # None: one bucket for the whole range
    group_by: tuple[str, ...] = ()
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (dimension, allowed values)
    tenant_id: int | None = None  # None: platform-wide (all tenants)
    timezone_name: str = "UTC"

    @property
    def metric_defs(self) -> list[Metric]:
        return [METRICS[name] for name in self.metrics]

    @property
    def filter_map(self) -> dict[str, tuple[str, ...]]:
        return dict(self.filters)

    def previous_period(self) -> "MetricQuery":
        """The same query over the range just before this one (a KPI's change, a report's movers)."""
        days = (self.end - self.start).days + 1
        return _replace(self, start=self.start - timedelta(days=days), end=self.start - timedelta(days=1))

    def as_params(self) -> dict[str, str]:
        """The query as URL parameters (a widget's drill-down link, a cache key)."""
        params = {
            "metrics": ",".join(self.metrics),
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "grain": self.grain or "none",
        }
        if self.group_by:
            params["group_by"] = ",".join(self.group_by)
        for dimension, values in self.filters:
            params[f"{FILTER_PREFIX}{dimension}"] = ",".join(values)
        return params

    @classmethod
    def parse(cls, params: Any, *, tenant=None, default_days: int = 30) -> "MetricQuery":
        """A checked query from `params` (a QueryDict or a dict of strings); 400 naming what is allowed.

        `tenant` scopes the query to one tenant (its time zone reads the dates); None is platform-wide.
        """
        metrics = _metric_names(params.get("metrics"), tenant_scoped=tenant is not None)
        grain = _grain(params.get("grain"))
        group_by = _names(params.get("group_by"))
        _check_dimensions(metrics, group_by, what="group_by")
        if tenant is not None and "tenant" in group_by:
            raise _error(_("group_by=tenant is only for platform-wide queries."), "group_by")
        filters = tuple(
            (key[len(FILTER_PREFIX) :], tuple(_names(value)))
            for key, value in sorted(params.items())
            if key.startswith(FILTER_PREFIX) and value
        )
        _check_dimensions(metrics, tuple(dimension for dimension, _ in filters), what="filter")
        _check_filter_values(filters)
        zone_name = tenant.timezone if tenant is not None else "UTC"
        start, end = _range(params.get("from"), params.get("to"), grain, zone_name, default_days)
        return cls(
            metrics=metrics,
            start=start,
            end=end,
            grain=grain,
            group_by=group_by,
            filters=filters,
            tenant_id=tenant.pk if tenant is not None else None,
            timezone_name=zone_name,
        )


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[list]
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    source: str = "raw"  # rollup: from the rollups; raw: aggregated from the ledger and bets
    stale: bool = False  # the rollups were stale (a refresh failed or lags): answered from the raw ledger

    def as_dict(self) -> dict:
        return {
            "columns": self.columns,
            "rows": self.rows,
            "labels": self.labels,
            "source": self.source,
            "stale": self.stale,
        }

    def column(self, name: str) -> list:
        index = self.columns.index(name)
        return [row[index] for row in self.rows]


def run_query(query: MetricQuery) -> QueryResult:
    """Answer a checked query from the sources each metric names (apps/analytics/sources/)."""
    from apps.analytics.sources import answer  # noqa: PLC0415 - the sources import this module

    with replica_reads():  # metric queries read the replica when there is one (inside a transaction: the primary)
        return answer(query)


def _replace(query: MetricQuery, **changes) -> MetricQuery:
    return replace(query, **changes)


def _error(message: str, field_name: str) -> ApplicationError:
    return ApplicationError(message, code="invalid_query", fields={field_name: [message]})


def _names(raw) -> tuple[str, ...]:
    if not raw:
        return ()
    names = [part.strip() for part in str(raw).split(",")]
    return tuple(dict.fromkeys(name for name in names if name))


def _metric_names(raw, *, tenant_scoped: bool) -> tuple[str, ...]:
    names = _names(raw)
    allowed = sorted(name for name, metric in METRICS.items() if not (tenant_scoped and metric.platform_only))
    if not names:
        raise _error(
            _("Name at least one metric: metrics=… (allowed: %(allowed)s).") % {"allowed": ", ".join(allowed)},
            "metrics",
        )
    unknown = [name for name in names if name not in allowed]
    if unknown:
        raise _error(
            _("Unknown metric %(names)s: allowed are %(allowed)s.")
            % {"names": ", ".join(unknown), "allowed": ", ".join(allowed)},
            "metrics",
        )
    if len(names) > MAX_METRICS:
        raise _error(
            _("At most %(most)s metrics per query (asked for %(asked)s).") % {"most": MAX_METRICS, "asked": len(names)},
            "metrics",
        )
    return names


def _grain(raw) -> str | None:
    if raw in (None, ""):
        return "day"
    if raw == "none":
        return None
    if raw not in GRAINS:
        raise _error(
            _("Unknown grain %(grain)s: allowed are %(allowed)s or none.")
            % {"grain": repr(raw), "allowed": ", ".join(GRAINS)},
            "grain",
        )
    return raw


def _check_dimensions(metrics: tuple[str, ...], dimensions: tuple[str, ...], *, what: str) -> None:
    unknown = [name for name in dimensions if name not in DIMENSIONS]
    if unknown:
        raise _error(
            _("Unknown dimension %(names)s in %(what)s: allowed are %(allowed)s.")
            % {"names": ", ".join(unknown), "what": what, "allowed": ", ".join(DIMENSIONS)},
            what,
        )
    for name in metrics:
        metric = METRICS[name]
        refused = [dimension for dimension in dimensions if dimension not in metric.dimensions]
        if refused:
            allowed = ", ".join(sorted(metric.dimensions)) or "none"
            raise _error(
                _("%(name)s cannot be split by %(refused)s (%(what)s); its dimensions are: %(allowed)s.")
                % {"name": name, "refused": ", ".join(refused), "what": what, "allowed": allowed},
                what,
            )


def _check_filter_values(filters: tuple[tuple[str, tuple[str, ...]], ...]) -> None:
    """Values a filter can compare: a bounded list of short texts, capper ids as numbers, closed sets named."""
    for dimension, values in filters:
        name = f"{FILTER_PREFIX}{dimension}"
        if len(values) > MAX_FILTER_VALUES:
            raise _error(
                _("%(name)s names %(count)s values; at most %(MAX_FILTER_VALUES)s per filter.")
                % {"name": name, "count": len(values), "MAX_FILTER_VALUES": MAX_FILTER_VALUES},
                name,
            )
        for value in values:
            if len(value) > MAX_VALUE_LENGTH or "\x00" in value:
                raise _error(
                    _("%(name)s values are at most %(MAX_VALUE_LENGTH)s characters, without NUL.")
                    % {"name": name, "MAX_VALUE_LENGTH": MAX_VALUE_LENGTH},
                    name,
                )
            if dimension == "capper" and not _CAPPER_ID.match(value):
                raise _error(
                    _("%(name)s takes capper ids (whole numbers): %(value)s is not one.")
                    % {"name": name, "value": repr(value)},
                    name,
                )
            allowed = CLOSED_VALUES.get(dimension)
            if allowed is not None and value not in allowed:
                raise _error(
                    _("Unknown %(dimension)s %(value)s in %(name)s: allowed are %(allowed)s.")
                    % {"dimension": dimension, "value": repr(value), "name": name, "allowed": ", ".join(allowed)},
                    name,
                )


def _day(raw, name: str) -> date:
    try:
        day = date.fromisoformat(str(raw))
    except ValueError:
        raise _error(
            _("%(name)s=%(raw)s is not a date: use YYYY-MM-DD.") % {"name": name, "raw": repr(raw)}, name
        ) from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise _error(
            _("%(name)s=%(day)s is out of range: dates run from %(FIRST_DAY)s to %(LAST_DAY)s.")
            % {"name": name, "day": day, "FIRST_DAY": FIRST_DAY, "LAST_DAY": LAST_DAY},
            name,
        )
    return day


def _range(raw_from, raw_to, grain: str | None, zone_name: str, default_days: int) -> tuple[date, date]:
    today = datetime.now(zoneinfo.ZoneInfo(zone_name)).date() if zone_name else timezone.localdate()
    end = _day(raw_to, "to") if raw_to else today
    start = _day(raw_from, "from") if raw_from else end - timedelta(days=default_days - 1)
    if start > end:
        raise _error(_("from (%(start)s) is after to (%(end)s).") % {"start": start, "end": end}, "from")
    limit = MAX_RANGE_DAYS[grain]
    if (end - start).days + 1 > limit:
        raise _error(
            _(
                "The range %(start)s to %(end)s is %(days)s days; grain=%(grain)s answers at most %(limit)s days: "
                "narrow the range or use a coarser grain."
            )
            % {"start": start, "end": end, "days": (end - start).days + 1, "grain": grain or "none", "limit": limit},
            "to",
        )
    return start, end
