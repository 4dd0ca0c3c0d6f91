"""Query-string filters shared by every API list (django-filter).

Use `DateTimeFilter` for every datetime parameter (tests/architecture checks): django-filter's own
IsoDateTimeFilter passes the client's UTC offset through to PostgreSQL, which refuses offsets past 15:59.
"""

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeField

from apps.core.datetimes import utc_instant


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date and time, as the instant in UTC the database stores (see apps.core.datetimes)."""

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return utc_instant(parsed)
        except ValueError as error:
            raise forms.ValidationError(str(error), code="out_of_range") from None


class DateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 datetime parameter (any RFC 3339 offset; years 1..9999 in UTC, else a 400)."""

    field_class = UtcIsoDateTimeField
