"""Time buckets of a forecast: their text (as the metric queries label them), the season of each grain,
and the buckets that follow the last one of a history.

Labels are those of `apps.analytics.sources.buckets.bucket_label`: `YYYY-MM-DD` for day, week (its Monday)
and month (its first day), `YYYY-MM-DDTHH:00` for an hour (local to the query's time zone, naive).
"""

from datetime import date, datetime, timedelta

GRAIN_ADJECTIVES = {"hour": "hourly", "day": "daily", "week": "weekly", "month": "monthly"}
GRAIN_NOUNS = {"hour": "hour", "day": "day", "week": "week", "month": "month"}

# The seasonal period each grain is modelled with: a day of hours, a week of days, a year of months.
# Weeks get none: a yearly season of 52 weeks needs years of history that a betting community rarely has.
SEASONS: dict[str, int | None] = {"hour": 24, "day": 7, "week": None, "month": 12}


def bucket_parse(value: str | date | datetime, grain: str) -> date | datetime:
    """A bucket as a date (day, week, month) or a naive datetime (hour), from its label or itself."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None, minute=0, second=0, microsecond=0) if grain == "hour" else value.date()
    if isinstance(value, date):
        return datetime.combine(value, datetime.min.time()) if grain == "hour" else value
    if grain == "hour":
        return datetime.fromisoformat(value).replace(tzinfo=None)
    return date.fromisoformat(value)


def bucket_text(value: date | datetime, grain: str) -> str:
    if grain == "hour":
        return value.strftime("%Y-%m-%dT%H:00")
    return value.isoformat()


def bucket_after(value: date | datetime, grain: str) -> date | datetime:
    """The bucket that follows `value` (a month: the first day of the next month)."""
    if grain == "hour":
        return value + timedelta(hours=1)
    if grain == "day":
        return value + timedelta(days=1)
    if grain == "week":
        return value + timedelta(days=7)
    return date(value.year + value.month // 12, value.month % 12 + 1, 1)


def buckets_after(value: date | datetime, grain: str, count: int) -> list[date | datetime]:
    buckets = []
    for _ in range(count):
        value = bucket_after(value, grain)
        buckets.append(value)
    return buckets
