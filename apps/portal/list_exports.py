"""One mechanism for the portal's CSV and XLSX list exports (issue 17, item 4): a list declares what it exports
(`ListExport`: a name, its columns, the function that reads its rows as the page does, and who may export), and
`export_view` turns that into a portal view. apps/core/exports.py writes the file and records the export.

The rows function receives the request (the list's filters are its query string: the export links carry the
page's) and the URL's own arguments (a scope, a dashboard); it reads through the same selectors as the page,
so the export holds exactly what the list shows to this user, every page of it. It may refuse (PermissionDenied:
403, Http404) or find the filters wrong (ApplicationError: 400 with the message); nothing is recorded then."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from apps.core.errors import ApplicationError
from apps.core.exports import FORMATS, Column, export_response
from apps.core.portal import portal_user_may
from apps.portal.access import portal_view


@dataclass(frozen=True)
class ListExport:
    """What one portal list exports. `roles`: the list page's roles (empty: any portal role); `permission`: a
    registered portal action the list needs as well (e.g. "analytics.report_view"), checked before reading."""

    name: str
    columns: Sequence[Column]
    rows: Callable[..., object]
    roles: tuple[str, ...] = ()
    permission: str = ""
    title: str = ""


def export_view(spec: ListExport) -> Callable[..., HttpResponseBase]:
    """The portal view of one list's exports: `<list>/export.<fmt>` with the list's filters in the query."""

    @never_cache
    @require_safe
    @portal_view(*spec.roles)
    def view(request: HttpRequest, fmt: str, **arguments) -> HttpResponseBase:
        if fmt not in FORMATS:
            raise Http404(_("Exports are CSV or XLSX."))
        if spec.permission and not portal_user_may(request.user, spec.permission):
            raise PermissionDenied(_("Your role may not read this list."))
        try:
            rows = spec.rows(request, **arguments)
        except ApplicationError as refused:
            return HttpResponse(refused.message, status=400, content_type="text/plain; charset=utf-8")
        return export_response(request, rows, spec.columns, fmt=fmt, name=spec.name, title=spec.title)

    view.__name__ = view.__qualname__ = f"{spec.name.replace('-', '_')}_export"
    view.__doc__ = f"The {spec.name} list as CSV or XLSX, with its filters."
    return view
