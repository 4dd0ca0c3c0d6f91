"""Time buckets: the start of each grain's period in the query's time zone, and the range as instants."""

import zoneinfo
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from apps.analytics.query import MetricQuery


def zone(query: MetricQuery) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(query.timezone_name)


def range_instants(query: MetricQuery, zone_name: str | None = None) -> tuple[datetime, datetime]:
    """[start, end) of the query's days as aware datetimes in `zone_name` (default: the query's zone)."""
    tz = zoneinfo.ZoneInfo(zone_name or query.timezone_name)
    return (
        datetime.combine(query.start, time.min, tzinfo=tz),
        datetime.combine(query.end + timedelta(days=1), time.min, tzinfo=tz),
    )


def bucket_of(value: date | datetime, grain: str | None) -> date | datetime | None:
    """The bucket a local date (or a local hour's datetime) falls in."""
    if grain is None:
        return None
    if grain == "hour":
        return value.replace(minute=0, second=0, microsecond=0)
    day = value.date() if isinstance(value, datetime) else value
    if grain == "day":
        return day
    if grain == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def buckets_between(query: MetricQuery) -> Iterator[date | datetime]:
    """Every bucket of the query's range, in order."""
    if query.grain == "hour":
        tz = zone(query)
        start, end = range_instants(query)
        current = start
        while current < end:
            yield current.astimezone(tz).replace(tzinfo=None)
            current += timedelta(hours=1)
        return
    seen = None
    day = query.start
    while day <= query.end:
        bucket = bucket_of(day, query.grain)
        if bucket != seen:
            yield bucket
            seen = bucket
        day += timedelta(days=1)


def bucket_label(bucket: date | datetime, query: MetricQuery) -> str:
    """ISO text: a date for day/week/month, a local `YYYY-MM-DDTHH:00` for hours."""
    if isinstance(bucket, datetime):
        return bucket.strftime("%Y-%m-%dT%H:00")
    return bucket.isoformat()
