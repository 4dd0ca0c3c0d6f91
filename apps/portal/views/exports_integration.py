"""The exports of the integration pages (issue 17, item 4): the service registry's instances (?deregistered=1 as
on the map) and the API usage rows per day, key and route (the page's ?days=, ?guild_id= and ?key=)."""

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from apps.core.errors import ApplicationError
from apps.core.exports import Column
from apps.integration.models import ServiceInstance
from apps.integration.selectors.usage import usage_rows, usage_summary
from apps.portal.access import ANALYST
from apps.portal.list_exports import ListExport, export_view
from apps.portal.views.integration_usage import usage_window


def registry_instance_rows(request: HttpRequest):
    """The instances the map shows: the registered ones, or every one with ?deregistered=1."""
    rows = ServiceInstance.objects.select_related("service").order_by("service__kind", "service__name", "instance_id")
    return rows if request.GET.get("deregistered") == "1" else rows.filter(deregistered_at__isnull=True)


def usage_day_rows(request: HttpRequest) -> list[dict]:
    """The usage page's rows, one per day, key and route (an unknown guild is a 400 that says so)."""
    window = usage_window(request)
    if window["problem"]:
        raise ApplicationError(window["problem"])
    rows = usage_rows(tenant=window["tenant"], start=window["start"], end=window["end"], key_prefix=window["key"])
    return usage_summary(rows=rows)["days"]


REGISTRY = ListExport(
    "service-registry",
    [
        Column(_("service"), "service__name"),
        Column(_("kind"), "service__kind"),
        Column(_("critical"), "service__is_critical"),
        Column(_("instance"), "instance_id"),
        Column(_("address"), "address"),
        Column(_("version"), "version"),
        Column(_("status"), "status"),
        Column(_("last heartbeat at (UTC)"), "last_heartbeat_at"),
        Column(_("registered at (UTC)"), "registered_at"),
        Column(_("deregistered at (UTC)"), "deregistered_at"),
    ],
    registry_instance_rows,
    roles=(ANALYST,),
)
USAGE = ListExport(
    "api-usage",
    [
        Column(_("day"), "day"),
        Column(_("key"), "key"),
        Column(_("route"), "route"),
        Column(_("guild id"), "guild_id"),
        Column(_("requests"), "requests"),
        Column(_("4xx errors"), "errors_4xx"),
        Column(_("5xx errors"), "errors_5xx"),
        Column(_("mean (ms)"), "mean_ms"),
        Column(_("p50 (ms)"), "p50_ms"),
        Column(_("p95 (ms)"), "p95_ms"),
    ],
    usage_day_rows,
    roles=(ANALYST,),
)

registry_export = export_view(REGISTRY)
usage_export = export_view(USAGE)
