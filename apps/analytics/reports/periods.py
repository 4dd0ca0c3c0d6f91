"""The days a report run covers: a period name and the day the run happens give the first and last day."""

from datetime import date, timedelta

from apps.analytics.choices import ReportPeriod
from apps.analytics.query import MetricQuery


def period_range(period: str, *, today: date) -> tuple[date, date]:
    """First and last day (inclusive) of `period` as seen on `today`; today itself is never included,
    so a report describes complete days."""
    yesterday = today - timedelta(days=1)
    if period == ReportPeriod.LAST_7_DAYS:
        return today - timedelta(days=7), yesterday
    if period == ReportPeriod.LAST_30_DAYS:
        return today - timedelta(days=30), yesterday
    if period == ReportPeriod.PREVIOUS_WEEK:
        monday = today - timedelta(days=today.weekday() + 7)
        return monday, monday + timedelta(days=6)
    if period == ReportPeriod.PREVIOUS_MONTH:
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    raise ValueError(f"unknown report period {period!r}")


def previous_range(start: date, end: date) -> tuple[date, date]:
    """The period a report compares with: as many days just before (`MetricQuery.previous_period()`)."""
    previous = MetricQuery(metrics=(), start=start, end=end).previous_period()
    return previous.start, previous.end
