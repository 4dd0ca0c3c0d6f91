"""The rows behind a point of a chart: the bets a widget's figure was computed from, narrowed to the clicked
time bucket and dimension values.

Every betting metric counts a bet in the bucket it was *placed* in (the tenant's local day, hour, week or
month; a platform-wide hour is a UTC hour), so the rows behind a bar are exactly the bets placed in that bucket
within the dashboard's range, matching the widget's own filters and the clicked dimension values (sources/
bets_raw.py reads the dimensions the same way: a bet's league, sport and market are its first leg's).
"""

import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from apps.analytics.metrics import DIMENSIONS
from apps.analytics.models import Widget
from apps.analytics.query import FILTER_PREFIX, MetricQuery
from apps.analytics.selectors.dashboards import DateRange
from apps.analytics.selectors.widgets import widget_query
from apps.analytics.sources.bets_raw import dimension_paths, filtered, with_first_leg
from apps.analytics.sources.buckets import bucket_of, range_instants
from apps.betting.models import Bet
from apps.core.errors import ApplicationError
from apps.tenants.models import Tenant


@dataclass
class Drill:
    query: MetricQuery
    bucket: str  # '' for the whole range
    filters: dict[str, str]  # dimension -> the clicked value ('' : none, e.g. a leg on no listed game)
    bets: QuerySet[Bet]


def _error(message: str, field_name: str) -> ApplicationError:
    return ApplicationError(message, code="invalid_drill", fields={field_name: [message]})


def _bucket_start(raw: str, grain: str | None) -> date | datetime | None:
    if not raw:
        return None
    if grain is None:
        raise _error(_("This widget shows the whole range in one figure: drill without a bucket."), "bucket")
    try:
        start = datetime.strptime(raw, "%Y-%m-%dT%H:00") if grain == "hour" else date.fromisoformat(raw)
    except ValueError:
        shape = "YYYY-MM-DDTHH:00" if grain == "hour" else "YYYY-MM-DD"
        raise _error(
            _("bucket=%(raw)s is not a %(grain)s bucket: use %(shape)s.")
            % {"raw": repr(raw), "grain": grain, "shape": shape},
            "bucket",
        ) from None
    if bucket_of(start, grain) != start:
        raise _error(_("bucket=%(raw)s does not start a %(grain)s.") % {"raw": repr(raw), "grain": grain}, "bucket")
    return start


def _bucket_end(start: date | datetime, grain: str) -> datetime:
    if grain == "hour":
        return start + timedelta(hours=1)
    if grain == "day":
        end = start + timedelta(days=1)
    elif grain == "week":
        end = start + timedelta(days=7)
    else:
        end = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return datetime.combine(end, time.min)


def _window(query: MetricQuery, zone_name: str, bucket: date | datetime | None) -> tuple[datetime, datetime]:
    """[start, end) instants of the query's range in `zone_name`, narrowed to the bucket."""
    start, end = range_instants(query, zone_name)
    if bucket is None:
        return start, end
    tz = zoneinfo.ZoneInfo(zone_name)
    local = bucket if isinstance(bucket, datetime) else datetime.combine(bucket, time.min)
    return max(start, local.replace(tzinfo=tz)), min(end, _bucket_end(bucket, query.grain).replace(tzinfo=tz))


def _zones(query: MetricQuery) -> dict[str, list[int]]:
    """Tenant ids by the zone their buckets are read in (as the raw engine reads them)."""
    tenants = Tenant.objects.all() if query.tenant_id is None else Tenant.objects.filter(pk=query.tenant_id)
    zones: dict[str, list[int]] = defaultdict(list)
    for tenant_id, zone_name in tenants.values_list("pk", "timezone"):
        own_zone = query.tenant_id is None and query.grain != "hour"
        zones[zone_name if own_zone else query.timezone_name].append(tenant_id)
    return zones


def _point_filters(params, query: MetricQuery) -> dict[str, str]:
    allowed = set.intersection(*(set(metric.dimensions) for metric in query.metric_defs))
    point = {}
    for key, value in params.items():
        if not key.startswith(FILTER_PREFIX):
            continue
        dimension = key[len(FILTER_PREFIX) :]
        if dimension not in DIMENSIONS or dimension not in allowed:
            names = ", ".join(sorted(allowed)) or "none"
            raise _error(
                _("Cannot narrow by %(dimension)s: this widget's dimensions are %(names)s.")
                % {"dimension": repr(dimension), "names": names},
                key,
            )
        if dimension == "capper" and value and not str(value).isdigit():
            raise _error(_("filter_capper=%(value)s is not a capper id (a number).") % {"value": repr(value)}, key)
        point[dimension] = str(value)
    return point


def drill_rows(*, widget: Widget, tenant: Tenant | None, date_range: DateRange, params) -> Drill:
    """The bets behind one point of a widget (`bucket`, `filter_<dimension>` from the click); 400 when the widget's
    rows are not bets or the point does not fit it."""
    if widget.panel:
        raise _error(gettext("This widget shows a panel, not bets: there are no bet rows behind it."), "widget")
    query, _ = widget_query(widget=widget, tenant=tenant, date_range=date_range)
    if any(metric.source != "bets" for metric in query.metric_defs):
        raise _error(gettext("Only betting metrics have bet rows behind them."), "widget")
    bucket = _bucket_start(params.get("bucket") or "", query.grain)
    point = _point_filters(params, query)
    window = Q(pk__in=[])
    for zone_name, tenant_ids in _zones(query).items():
        start, end = _window(query, zone_name, bucket)
        window |= Q(tenant_id__in=tenant_ids, placed_at__gte=start, placed_at__lt=end)
    paths = dimension_paths("")
    bets = filtered(with_first_leg(Bet.objects.filter(window), ""), query, "")
    bets = bets.annotate(**{f"d_{name}": path for name, path in paths.items() if name != "tenant"})
    for dimension, value in point.items():
        column = "tenant__guild_id" if dimension == "tenant" else f"d_{dimension}"
        bets = (
            bets.filter(Q(**{f"{column}__isnull": True}) | Q(**{column: ""}))
            if value == ""
            else bets.filter(**{column: value})
        )
    bets = bets.select_related("tenant", "capper").order_by("-placed_at", "-pk")
    return Drill(query=query, bucket=params.get("bucket") or "", filters=point, bets=bets)
