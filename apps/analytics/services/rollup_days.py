"""A tenant's rollup rows recomputed: some of its local days (a refresh) or all of them (a rebuild).

The SQL is rollup_rows.py's; this module decides which bets and rows: a run of consecutive local days
is one placement range, hours are kept for the days since `hourly_first_day`, and a rebuild takes the
tenant's whole span of bets. Callers hold the tenant's `RollupState` row (`lock_states`).
"""

import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Max, Min, Q
from django.utils import timezone

from apps.analytics.models import DailyRollup, HourlyRollup, RollupState
from apps.analytics.services.rollup_rows import (
    SUMMARIES,
    daily_bucket,
    day_bounds,
    hour_offset_minutes,
    hourly_bucket,
    insert_rows,
    insert_summaries,
)
from apps.analytics.sources.bets_raw import Where, placed_in
from apps.betting.models import Bet
from apps.tenants.models import Tenant

# progress(tenant, chunk label, rows inserted): the rebuild's report of each chunk of days
Progress = Callable[[Tenant, str, int], None]


def lock_states(tenant_ids: set[int]) -> dict[int, RollupState]:
    """The tenants' state rows (created when missing), locked in tenant id order."""
    zones = dict(Tenant.objects.filter(pk__in=tenant_ids).values_list("pk", "timezone"))
    RollupState.objects.bulk_create(
        [RollupState(tenant_id=tenant_id, timezone_name=zone) for tenant_id, zone in zones.items()],
        ignore_conflicts=True,
    )
    states = RollupState.objects.select_for_update().filter(tenant_id__in=zones).order_by("tenant_id")
    return {state.tenant_id: state for state in states}


def runs(days: Iterable[date]) -> list[tuple[date, date]]:
    """Consecutive days as (first, last) runs."""
    found: list[tuple[date, date]] = []
    for day in sorted(days):
        if found and found[-1][1] + timedelta(days=1) == day:
            found[-1] = (found[-1][0], day)
        else:
            found.append((day, day))
    return found


def placed_on(tenant_id: int, zone: zoneinfo.ZoneInfo, days: Iterable[date]) -> Where:
    """Bets of the tenant placed on these local days (a range per run of consecutive days)."""
    ranges = [(day_bounds(first, zone)[0], day_bounds(last, zone)[1]) for first, last in runs(days)]

    def where(prefix: str) -> Q:
        condition = Q(pk__in=[])
        for start, end in ranges:
            condition |= placed_in([tenant_id], start, end)(prefix)
        return condition

    return where


def hours_of(tenant_id: int, zone: zoneinfo.ZoneInfo, days: Iterable[date]) -> Q:
    """Hourly rows of the tenant on these local days."""
    condition = Q(pk__in=[])
    for first, last in runs(days):
        condition |= Q(tenant_id=tenant_id, hour__gte=day_bounds(first, zone)[0], hour__lt=day_bounds(last, zone)[1])
    return condition


def hourly_first_day(zone: zoneinfo.ZoneInfo, now: datetime | None = None) -> date:
    """The first local day the hourly rollups cover in this zone."""
    return (now or timezone.now()).astimezone(zone).date() - timedelta(days=settings.ANALYTICS_HOURLY_DAYS)


def recompute_days(*, tenant_id: int, zone: zoneinfo.ZoneInfo, days: set[date]) -> None:
    """Delete and insert again the tenant's daily rows of `days`, and the hourly rows of those recent
    enough to keep hours (older days lose theirs)."""
    if not days:
        return
    DailyRollup.objects.filter(tenant_id=tenant_id, day__in=sorted(days)).delete()
    insert_rows(DailyRollup, where=placed_on(tenant_id, zone, days), bucket=daily_bucket(zone))
    for summary in SUMMARIES:
        summary.objects.filter(tenant_id=tenant_id, day__in=sorted(days)).delete()
    insert_summaries(where=Q(tenant_id=tenant_id, day__in=sorted(days)))
    HourlyRollup.objects.filter(hours_of(tenant_id, zone, days)).delete()
    insert_hours(tenant_id=tenant_id, zone=zone, days={day for day in days if day >= hourly_first_day(zone)})


def insert_hours(*, tenant_id: int, zone: zoneinfo.ZoneInfo, days: set[date]) -> None:
    by_offset: dict[int, set[date]] = defaultdict(set)
    for day in days:
        by_offset[hour_offset_minutes(zone, day)].add(day)
    for offset, offset_days in sorted(by_offset.items()):
        insert_rows(HourlyRollup, where=placed_on(tenant_id, zone, offset_days), bucket=hourly_bucket(offset))


def month_chunks(first: date, last: date) -> Iterator[tuple[date, date]]:
    month = first.replace(day=1)
    while month <= last:
        following = (month + timedelta(days=32)).replace(day=1)
        yield month, following - timedelta(days=1)
        month = following


def rebuild_rows(*, tenant: Tenant, progress: Progress | None) -> int:
    """Every rollup row of the tenant, again from its raw rows: on PostgreSQL one statement for all its
    days (hash joins over whole tables beat a month's index lookups), elsewhere a local month each."""
    zone = zoneinfo.ZoneInfo(tenant.timezone)
    for model in (DailyRollup, HourlyRollup, *SUMMARIES):
        model.objects.filter(tenant_id=tenant.pk).delete()
    span = Bet.objects.filter(tenant_id=tenant.pk).aggregate(first=Min("placed_at"), last=Max("placed_at"))
    if span["first"] is None:
        return 0
    inserted = 0
    first, last = span["first"].astimezone(zone).date(), span["last"].astimezone(zone).date()
    chunks = [(first, last)] if connection.vendor == "postgresql" else list(month_chunks(first, last))
    for chunk_first, chunk_last in chunks:
        where = placed_on(tenant.pk, zone, days_between(max(first, chunk_first), min(last, chunk_last)))
        rows = insert_rows(DailyRollup, where=where, bucket=daily_bucket(zone), bulk=True)
        inserted += rows
        if progress is not None:
            progress(tenant, f"{chunk_first:%Y-%m}" + (f"..{chunk_last:%Y-%m}" if len(chunks) == 1 else ""), rows)
    insert_summaries(where=Q(tenant_id=tenant.pk))
    insert_hours(tenant_id=tenant.pk, zone=zone, days=set(days_between(max(first, hourly_first_day(zone)), last)))
    return inserted


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


def record_built(tenant: Tenant) -> None:
    """The tenant's rollups are whole again, in its current time zone: not stale, freshly built."""
    now = timezone.now()
    RollupState.objects.filter(tenant_id=tenant.pk).update(
        built_at=now, refreshed_at=now, timezone_name=tenant.timezone, is_stale=False, stale_reason="", stale_since=None
    )
