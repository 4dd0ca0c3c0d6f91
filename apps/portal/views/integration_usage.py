"""The API usage page (issue #15, API management): requests, errors and p50/p95 latency per key and per route,
with a chart per day, over the daily rows beat folds from the request counters (apps/integration/api)."""

from datetime import UTC, datetime, timedelta

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from apps.core.errors import NotFoundError
from apps.integration.selectors.usage import usage_rows, usage_summary
from apps.portal.access import ANALYST, portal_view
from apps.portal.charts import usage_by_day_figure
from apps.portal.shell import render_portal
from apps.tenants.selectors import tenant_get

# The ops role has no portal sign-in (apps/portal/access.py PORTAL_ROLES): superusers (always) and security
# analysts, who watch keys for abuse, read this page.
ROLES = (ANALYST,)
WINDOWS = {"1": 1, "7": 7, "30": 30, "90": 90}


def usage_window(request: HttpRequest) -> dict:
    """The page's filters: ?days= (7 unless told), ?guild_id= (a tenant's keys; a problem when unknown), ?key=."""
    days = WINDOWS.get(request.GET.get("days", ""), 7)
    guild_id = request.GET.get("guild_id", "").strip()
    tenant, problem = None, ""
    if guild_id:
        try:
            tenant = tenant_get(guild_id=guild_id[:20], include_offboarded=True)
        except NotFoundError as error:
            problem = error.message
    end = datetime.now(UTC).date()
    key = request.GET.get("key", "").strip()[:16]
    return {"days": days, "guild_id": guild_id, "key": key, "tenant": tenant, "problem": problem, "end": end,
            "start": end - timedelta(days=days - 1)}  # fmt: skip


@never_cache
@require_safe
@portal_view(*ROLES)
def integration_usage(request: HttpRequest) -> HttpResponse:
    window = usage_window(request)
    rows = usage_rows(tenant=window["tenant"], start=window["start"], end=window["end"], key_prefix=window["key"])
    summary = usage_summary(rows=rows) if not window["problem"] else None
    context = {
        **window,
        "windows": list(WINDOWS),
        "summary": summary,
        "figure": usage_by_day_figure(summary["by_day"]) if summary and summary["by_day"] else None,
    }
    return render_portal(request, "portal/integration/usage.html", context)
