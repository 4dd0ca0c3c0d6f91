"""Reporting periods: `2026-11` (a month), `2026` (a year) or `lifetime`, in the tenant's time zone."""

import re
import zoneinfo
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from apps.core.errors import ApplicationError

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True)
class Period:
    label: str
    starts_at: datetime | None  # None: unbounded (lifetime)
    ends_at: datetime | None


def current_month_label(*, timezone_name: str) -> str:
    """The label of the month it is now in the given time zone (the default period of reads)."""
    return datetime.now(zoneinfo.ZoneInfo(timezone_name)).strftime("%Y-%m")


def parse_period(label: str, *, timezone_name: str) -> Period:
    """The half-open [start, end) range of a period label; a 400 that says the format otherwise."""
    zone = zoneinfo.ZoneInfo(timezone_name)
    if label == "lifetime":
        return Period(label, None, None)
    if match := _MONTH.match(label):
        year, month = int(match[1]), int(match[2])
        if 1 <= month <= 12 and 1900 <= year <= 2999:
            end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=zone)
            return Period(label, datetime(year, month, 1, tzinfo=zone), end)
    if (match := _YEAR.match(label)) and 1900 <= int(match[1]) <= 2999:
        year = int(match[1])
        return Period(label, datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone))
    raise ApplicationError(
        _("Unknown period %(label)r: use a month like 2026-11, a year like 2026, or lifetime.") % {"label": label},
        code="invalid_period",
        fields={"period": [_("Use YYYY-MM, YYYY or lifetime.")]},
    )
