"""Datetimes as the database keeps them: one instant in UTC, years 1 to 9999.

PostgreSQL refuses a timestamp whose UTC offset is past 15:59 (`time zone displacement out of range`)
although RFC 3339 allows up to 23:59, and Python cannot hand back an instant outside years 1..9999.
Every datetime the API reads (bodies: `apps.core.api.serializers.DateTimeField`; filters:
`apps.core.api.filters.DateTimeFilter`) goes through `utc_instant`, so any offset is accepted and never
reaches a query, and an instant the database could not give back is a 400 that names the field.
"""

from datetime import UTC, datetime

from django.utils.translation import gettext_lazy

OUT_OF_RANGE_MESSAGE = gettext_lazy("Must be a date and time between the years 1 and 9999 in UTC.")


def utc_instant(value: datetime) -> datetime:
    """The same instant in UTC (a naive value is taken as UTC); ValueError outside years 1..9999."""
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError(OUT_OF_RANGE_MESSAGE) from None
