"""What the incidents API's viewsets share: the scopes of their actions (`incidents:read` to read,
`incidents:write` to change), the incident a route names, and one line per documented action."""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema

from apps.core.api.schema import ERROR_RESPONSES
from apps.core.errors import NotFoundError
from apps.incidents.models import Incident

_NO_REQUEST_GIVEN = object()


def incident_scopes(*, read: tuple[str, ...] = (), write: tuple[str, ...] = ()) -> dict[str, str]:
    """A viewset's `required_scopes`: each action of `read` needs incidents:read, each of `write` incidents:write."""
    return {**dict.fromkeys(read, "incidents:read"), **dict.fromkeys(write, "incidents:write")}


def documented(summary: str, response: Any, *, request: Any = _NO_REQUEST_GIVEN, code: int = 200):
    """The schema of an action that answers `code` with `response`, or one of the API's error responses."""
    extra = {} if request is _NO_REQUEST_GIVEN else {"request": request}
    return extend_schema(summary=summary, responses={code: response, **ERROR_RESPONSES}, **extra)


def incident_or_404(incident_id) -> Incident:
    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None:
        raise NotFoundError(_("No incident INC-%(id)s.") % {"id": incident_id})
    return incident
