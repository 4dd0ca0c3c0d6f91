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


@never_cache
@require_safe
@portal_view(*ROLES)
def integration_usage(request: HttpRequest) -> HttpResponse:
    days = WINDOWS.get(request.GET.get("days", ""), 7)
    guild_id = request.GET.get("guild_id", "").strip()
    key = request.GET.get("key", "").strip()[:16]
    tenant, problem = None, ""
    if guild_id:
        try:
            tenant = tenant_get(guild_id=guild_id[:20], include_offboarded=True)
        except NotFoundError as error:
            problem = error.message
    end = datetime.now(UTC).date()
    start = end - timedelta(days=days - 1)
    summary = (
        usage_summary(rows=usage_rows(tenant=tenant, start=start, end=end, key_prefix=key)) if not problem else None
    )
    context = {
        "days": days,
        "windows": list(WINDOWS),
        "guild_id": guild_id,
        "key": key,
        "tenant": tenant,
        "problem": problem,
        "start": start,
        "end": end,
        "summary": summary,
        "figure": usage_by_day_figure(summary["by_day"]) if summary and summary["by_day"] else None,
    }
    return render_portal(request, "portal/integration/usage.html", context)
