"""The service registry's pages: the map (services → instances → checks, coloured by status, with what each
instance announced) and one check's history (a plotly timeline, its state changes and its latest runs)."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from apps.integration.selectors import check_history, registry_map
from apps.portal.access import ANALYST, portal_view
from apps.portal.charts import check_timeline_figure
from apps.portal.shell import render_portal

HISTORY_WINDOWS = {"1": 1, "6": 6, "24": 24, "48": 48}


@never_cache
@require_safe
@portal_view(ANALYST)
def integration_registry(request: HttpRequest) -> HttpResponse:
    include_deregistered = request.GET.get("deregistered") == "1"
    services = list(registry_map(include_deregistered=include_deregistered))
    counts: dict[str, int] = {}
    for service in services:
        for instance in service.instances.all():
            counts[instance.status] = counts.get(instance.status, 0) + 1
    context = {"services": services, "counts": counts, "include_deregistered": include_deregistered}
    return render_portal(request, "portal/integration/registry.html", context)


@never_cache
@require_safe
@portal_view(ANALYST)
def integration_registry_check(request: HttpRequest, check_id: int) -> HttpResponse:
    hours = HISTORY_WINDOWS.get(request.GET.get("hours", ""), 24)
    history = check_history(check_id=check_id, hours=hours)
    context = {
        "history": history,
        "check": history.check,
        "hours": hours,
        "windows": list(HISTORY_WINDOWS),
        "figure": check_timeline_figure(history.results) if history.results else None,
        "latest": history.results[:50],
    }
    return render_portal(request, "portal/integration/registry_check.html", context)
