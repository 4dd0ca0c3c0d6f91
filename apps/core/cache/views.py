"""The cache's statistics: an admin page for staff; a Prometheus endpoint for monitoring (the cache, the
request metrics, the workers' memory, and observability's families: HTTP latency by route and status,
Celery queues and tasks, database pools, the outbox backlog — apps/core/observability/collectors.py)."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.views import APIView

from apps.core.api.permissions import HasRequiredScope, IsPlatformKey
from apps.core.api.schema import ERROR_RESPONSES
from apps.core.cache import breaker, namespace_statistics
from apps.core.monitoring.exposition import request_metrics_lines, worker_memory_lines
from apps.core.observability.collectors import observability_metrics_text

METRIC_FIELDS = ("hit", "miss", "stale", "refresh", "waited", "error", "bypass")
BREAKER_STATES = {"closed": 0, "half_open": 1, "open": 2}


def cache_stats_admin_view(request: HttpRequest) -> TemplateResponse:
    """Admin page: per-namespace counters across processes, and this process's breaker."""
    context = {
        **admin.site.each_context(request),
        "title": "Cache statistics",
        "rows": namespace_statistics(),
        "breaker_state": breaker.state,
        "breaker_opened": breaker.times_opened,
    }
    return TemplateResponse(request, "admin/core/cache_stats.html", context)


class PrometheusRenderer(BaseRenderer):
    media_type = "text/plain"
    format = "prometheus"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data.encode() if isinstance(data, str) else str(data).encode()


def prometheus_text() -> str:
    lines = [
        "# HELP dbsbm_cache_operations_total Cache lookups by namespace and outcome.",
        "# TYPE dbsbm_cache_operations_total counter",
    ]
    for row in namespace_statistics():
        for field in METRIC_FIELDS:
            lines.append(
                f'dbsbm_cache_operations_total{{namespace="{row["namespace"]}",outcome="{field}"}} {row[field]}'
            )
    lines += [
        "# HELP dbsbm_cache_breaker_state Redis circuit breaker of this process: 0 closed, 1 half-open, 2 open.",
        "# TYPE dbsbm_cache_breaker_state gauge",
        f"dbsbm_cache_breaker_state {BREAKER_STATES[breaker.state]}",
        *request_metrics_lines(),
        *worker_memory_lines(),
    ]
    return "\n".join(lines) + "\n" + observability_metrics_text()


class MetricsView(APIView):
    """Prometheus text exposition of the cache statistics, request metrics, worker memory and the observability
    families (platform key with `metrics:read`)."""

    permission_classes = [HasRequiredScope, IsPlatformKey]
    # JSON first so that refusals keep the API's error shape; the metrics themselves are always text
    renderer_classes = [JSONRenderer, PrometheusRenderer]
    required_scopes = {"get": "metrics:read"}

    @extend_schema(
        summary="Cache, request, task, queue, pool, outbox and worker metrics in the Prometheus text format",
        responses={(200, "text/plain"): OpenApiTypes.STR, **ERROR_RESPONSES},
    )
    def get(self, request) -> HttpResponse:
        return HttpResponse(prometheus_text(), content_type="text/plain; version=0.0.4; charset=utf-8")
