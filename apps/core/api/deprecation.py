"""Endpoints marked for removal: the `Deprecation` (RFC 9745) and `Sunset` (RFC 8594) response headers and the
OpenAPI `deprecated` flag, from one declaration on the view.

    class OldViewSet(ApiViewSet):
        deprecation = Deprecation(date=date(2026, 12, 7), sunset=date(2027, 6, 30), link="/api/docs/")
        # or per action: deprecations = {"export": Deprecation(...)}

`Deprecation: @<unix seconds>` (a structured-field date: since when), `Sunset: <HTTP-date>` (when it stops
answering), `Link: <…>; rel="deprecation"` (where the replacement is explained). The API base adds them to
every answer of a marked action, refusals included (a client that never succeeds is the one to warn), and
the schema generator (DeprecationAwareAutoSchema) marks the operation deprecated.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from email.utils import format_datetime

from drf_spectacular.openapi import AutoSchema


@dataclass(frozen=True)
class Deprecation:
    """Since when an endpoint is deprecated, when it goes away (optional), and where to read why."""

    date: date
    sunset: date | None = None
    link: str = ""

    def headers(self) -> dict[str, str]:
        since = datetime.combine(self.date, time(), tzinfo=UTC)
        headers = {"Deprecation": f"@{int(since.timestamp())}"}
        if self.sunset is not None:
            headers["Sunset"] = format_datetime(datetime.combine(self.sunset, time(), tzinfo=UTC), usegmt=True)
        if self.link:
            headers["Link"] = f'<{self.link}>; rel="deprecation"; type="text/html"'
        return headers


def deprecation_of(view) -> Deprecation | None:
    """The view's deprecation for its current action (a per-action one first, then the view's own)."""
    action = getattr(view, "action", None) or ""
    return getattr(view, "deprecations", {}).get(action) or getattr(view, "deprecation", None)


def deprecation_headers(view, response) -> None:
    deprecation = deprecation_of(view)
    if deprecation is not None:
        for name, value in deprecation.headers().items():
            response[name] = value


class DeprecationAwareAutoSchema(AutoSchema):
    """drf-spectacular's schema, with `deprecated: true` on the operations a view marks for removal."""

    def is_deprecated(self) -> bool:
        return deprecation_of(self.view) is not None or super().is_deprecated()
