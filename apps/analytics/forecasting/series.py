"""Which series to forecast: a metric at a grain and horizon, for a tenant or the platform, maybe filtered.

`SeriesRequest.parse(params, tenant=…)` reads the API's parameters (metric, grain, horizon and the metric
layer's filter_<dimension>) and refuses with a 400 that names what is allowed; `SeriesRequest.from_query`
turns a dashboard widget's `MetricQuery` into one. `history_query(now)` is the metric query whose rows
are the history: the last HISTORY_BUCKETS buckets before the current one (which is not over yet, so it
is forecast, not history).
"""

import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.utils.translation import gettext as _

from apps.analytics.forecasting.forecastable import (
    DEFAULT_HORIZONS,
    HISTORY_BUCKETS,
    MAX_HORIZONS,
    forecast_spec,
    forecastable_metrics,
    refusal_reason,
)
from apps.analytics.metrics import GRAINS, METRICS
from apps.analytics.query import FILTER_PREFIX, MetricQuery
from apps.core.errors import ApplicationError

REFUSED_PARAMETERS = {
    "metrics": "a forecast is of one metric: use metric=…",
    "group_by": "a forecast is of one series: narrow it with filter_<dimension>=… instead of group_by",
}


@dataclass(frozen=True)
class SeriesRequest:
    metric: str
    grain: str
    horizon: int
    tenant_id: int | None = None  # None: platform-wide
    timezone_name: str = "UTC"
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def filters_text(self) -> str:
        """The filters as query parameters, canonical (sorted names and values): part of the stored key."""
        return "&".join(f"{FILTER_PREFIX}{name}={','.join(sorted(values))}" for name, values in sorted(self.filters))

    @property
    def label(self) -> str:
        """How the refusals name the series: "stake_units by day"."""
        return f"{self.metric} by {self.grain}"

    @classmethod
    def parse(cls, params: Mapping[str, Any], *, tenant=None) -> "SeriesRequest":
        """A checked request from API parameters; a 400 naming what is allowed."""
        for name, reason in REFUSED_PARAMETERS.items():
            if params.get(name):
                raise _error(
                    _("%(name)s is not a forecast parameter: %(reason)s.") % {"name": name, "reason": reason}, name
                )
        metric = _metric(params.get("metric"), tenant_scoped=tenant is not None)
        grain = params.get("grain") or "day"
        if grain not in GRAINS:
            raise _error(
                _("Unknown grain %(grain)s: allowed are %(GRAINS)s.")
                % {"grain": repr(grain), "GRAINS": ", ".join(GRAINS)},
                "grain",
            )
        horizon = _horizon(params.get("horizon"), grain)
        # the filters are checked by the metric layer's own rules (dimensions the metric allows)
        filter_params = {key: value for key, value in params.items() if key.startswith(FILTER_PREFIX)}
        query = MetricQuery.parse({"metrics": metric, "grain": grain, **filter_params}, tenant=tenant)
        return cls(
            metric=metric,
            grain=grain,
            horizon=horizon,
            tenant_id=query.tenant_id,
            timezone_name=query.timezone_name,
            filters=query.filters,
        )

    @classmethod
    def from_query(cls, query: MetricQuery, *, metric: str | None = None, horizon: int | None = None):
        """The series a widget's query charts: one metric (named, or the query's only one), its grain,
        tenant and filters; the widget's own date range does not matter (the history is read back from now)."""
        if query.group_by:
            raise _error(
                _("A grouped query is several series: forecast one, narrowed with filters, not grouped."), "group_by"
            )
        if query.grain is None:
            raise _error(_("A forecast needs a time grain (hour, day, week or month), not grain=none."), "grain")
        if metric is None:
            if len(query.metrics) != 1:
                raise _error(
                    _("Name the metric to forecast, one of %(metrics)s.") % {"metrics": ", ".join(query.metrics)},
                    "metric",
                )
            metric = query.metrics[0]
        _check_forecastable(metric)
        return cls(
            metric=metric,
            grain=query.grain,
            horizon=_horizon(horizon, query.grain),
            tenant_id=query.tenant_id,
            timezone_name=query.timezone_name,
            filters=query.filters,
        )

    def history_query(self, now: datetime) -> tuple[MetricQuery, str]:
        """The metric query over the history, and the label of the current (unfinished) bucket: rows from
        it on are not history."""
        local_now = now.astimezone(zoneinfo.ZoneInfo(self.timezone_name))
        current, first = _current_and_first(local_now, self.grain)
        if self.grain == "hour":  # whole days, through today; the hours from the current one on are cut
            start, end = first.date(), current.date()
        else:
            start, end = first, current - timedelta(days=1)
        query = MetricQuery(
            metrics=(self.metric,),
            start=start,
            end=end,
            grain=self.grain,
            filters=self.filters,
            tenant_id=self.tenant_id,
            timezone_name=self.timezone_name,
        )
        label = current.strftime("%Y-%m-%dT%H:00") if self.grain == "hour" else current.isoformat()
        return query, label


def _current_and_first(local_now: datetime, grain: str) -> tuple[date | datetime, date | datetime]:
    """The current bucket's start and the first history bucket's (HISTORY_BUCKETS before it)."""
    buckets = HISTORY_BUCKETS[grain]
    if grain == "hour":
        current = local_now.replace(minute=0, second=0, microsecond=0, tzinfo=None)
        return current, current - timedelta(hours=buckets)
    today = local_now.date()
    if grain == "day":
        return today, today - timedelta(days=buckets)
    if grain == "week":
        monday = today - timedelta(days=today.weekday())
        return monday, monday - timedelta(weeks=buckets)
    first = today.replace(day=1)
    months = first.year * 12 + first.month - 1 - buckets
    return first, date(months // 12, months % 12 + 1, 1)


def _error(message: str, field_name: str, code: str = "invalid_query") -> ApplicationError:
    return ApplicationError(message, code=code, fields={field_name: [message]})


def _metric(raw, *, tenant_scoped: bool) -> str:
    allowed = [name for name in forecastable_metrics() if not (tenant_scoped and METRICS[name].platform_only)]
    if not raw:
        raise _error(
            _("Name the metric to forecast: metric=… (one of %(allowed)s).") % {"allowed": ", ".join(allowed)}, "metric"
        )
    metric = METRICS.get(raw)
    if metric is None or (tenant_scoped and metric.platform_only):
        raise _error(
            _("Unknown metric %(name)s: forecasts are of %(allowed)s.")
            % {"name": repr(raw), "allowed": ", ".join(allowed)},
            "metric",
        )
    _check_forecastable(raw, allowed=allowed)
    return raw


def _check_forecastable(name: str, allowed: list[str] | None = None) -> None:
    if forecast_spec(name) is None:
        allowed = allowed or forecastable_metrics()
        raise _error(
            _("%(name)s is not forecast: %(refusal_reason)s. Forecasts are of %(allowed)s.")
            % {"name": name, "refusal_reason": refusal_reason(name), "allowed": ", ".join(allowed)},
            "metric",
            code="not_forecastable",
        )


def _horizon(raw, grain: str) -> int:
    limit = MAX_HORIZONS[grain]
    if raw in (None, ""):
        return DEFAULT_HORIZONS[grain]
    text = str(raw)
    if not (text.isascii() and text.isdigit() and len(text) <= 4 and 1 <= int(text) <= limit):
        raise _error(
            _(
                "horizon=%(text)s: a whole number of %(grain)ss from 1 to %(limit)s "
                "(grain=%(grain)s forecasts at most %(limit)s ahead)."
            )
            % {"text": repr(text), "grain": grain, "limit": limit},
            "horizon",
        )
    return int(text)
