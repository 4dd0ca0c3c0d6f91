"""Reading API usage: daily rows of a tenant's keys (or of every key, for the portal), summed per key and per
route with p50/p95 estimated from the summed latency histograms."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import QuerySet

from apps.core.monitoring.histogram import histogram_add, histogram_quantile
from apps.integration.models import ApiUsageDay
from apps.tenants.models import Tenant


@dataclass
class UsageTotals:
    """Requests, errors and the latency histogram of a set of rows."""

    requests: int = 0
    errors_4xx: int = 0
    errors_5xx: int = 0
    latency_ms_sum: float = 0.0
    latency_buckets: list[int] = field(default_factory=list)

    def add(self, row: ApiUsageDay) -> None:
        self.requests += row.requests
        self.errors_4xx += row.errors_4xx
        self.errors_5xx += row.errors_5xx
        self.latency_ms_sum += row.latency_ms_sum
        self.latency_buckets = histogram_add(self.latency_buckets, row.latency_buckets)

    def as_dict(self) -> dict:
        return {
            "requests": self.requests,
            "errors_4xx": self.errors_4xx,
            "errors_5xx": self.errors_5xx,
            "mean_ms": round(self.latency_ms_sum / self.requests, 2) if self.requests else None,
            "p50_ms": _rounded(histogram_quantile(0.50, self.latency_buckets)),
            "p95_ms": _rounded(histogram_quantile(0.95, self.latency_buckets)),
        }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def usage_rows(
    *, tenant: Tenant | None, start: date, end: date, key_prefix: str = "", route: str = ""
) -> QuerySet[ApiUsageDay]:
    """Daily rows from `start` to `end` (inclusive): of the tenant's own keys, or of every key (tenant None)."""
    rows = ApiUsageDay.objects.filter(day__gte=start, day__lte=end).select_related("api_key", "tenant")
    if tenant is not None:
        rows = rows.filter(api_key__tenant=tenant)
    if key_prefix:
        rows = rows.filter(api_key__prefix=key_prefix)
    if route:
        rows = rows.filter(route=route)
    return rows.order_by("day", "api_key__prefix", "route")


def usage_summary(*, rows: QuerySet[ApiUsageDay]) -> dict:
    """The rows per day, key and route, and summed per key, per route, per day and in all."""
    days, by_key, by_route, by_day = [], defaultdict(UsageTotals), defaultdict(UsageTotals), defaultdict(UsageTotals)
    names, total = {}, UsageTotals()
    for row in rows:
        single = UsageTotals()
        single.add(row)
        guild_id = row.tenant.guild_id if row.tenant_id else ""
        days.append(
            {"day": row.day, "key": row.api_key.prefix, "route": row.route, "guild_id": guild_id, **single.as_dict()}
        )
        names[row.api_key.prefix] = row.api_key.name
        for totals in (by_key[row.api_key.prefix], by_route[row.route], by_day[row.day], total):
            totals.add(row)
    return {
        "days": days,
        "by_key": [{"key": key, "name": names[key], **totals.as_dict()} for key, totals in sorted(by_key.items())],
        "by_route": [{"route": route, **totals.as_dict()} for route, totals in sorted(by_route.items())],
        "by_day": [{"day": day, **totals.as_dict()} for day, totals in sorted(by_day.items())],
        "total": total.as_dict(),
    }
