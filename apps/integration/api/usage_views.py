"""`GET /api/v1/tenants/{guild_id}/usage/`: a tenant's API usage per day, key and route.

Scope `tenants:admin`: the answer names the tenant's keys (prefix and name), which only `tenants:admin`
may list (`GET .../api-keys/`). A tenant key reads its own tenant; a platform key any. Only the tenant's own
keys are counted (a platform key's calls on the tenant's paths are the platform's, not the tenant's).
"""

from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.api.schema import ERROR_RESPONSES
from apps.core.errors import ApplicationError
from apps.integration.models import ApiUsageDay
from apps.integration.selectors.usage import usage_rows, usage_summary
from apps.tenants.viewsets import TenantScopedViewSet

DEFAULT_DAYS = 7
PARAMETERS = ("from", "to", "key", "route")


def _figures(name: str, extra: dict, **kwargs) -> serializers.Serializer:
    return inline_serializer(
        name=name,
        **kwargs,
        fields={
            **extra,
            "requests": serializers.IntegerField(),
            "errors_4xx": serializers.IntegerField(),
            "errors_5xx": serializers.IntegerField(),
            "mean_ms": serializers.FloatField(allow_null=True),
            "p50_ms": serializers.FloatField(allow_null=True, help_text="Estimated from the latency histogram"),
            "p95_ms": serializers.FloatField(allow_null=True, help_text="Estimated from the latency histogram"),
        },
    )


UsageSerializer = inline_serializer(
    name="ApiUsage",
    fields={
        "from": serializers.DateField(),
        "to": serializers.DateField(),
        "days": _figures(
            "ApiUsageDayRow",
            {
                "day": serializers.DateField(),
                "key": serializers.CharField(help_text="The key's prefix"),
                "route": serializers.CharField(),
                "guild_id": serializers.CharField(),
            },
            many=True,
        ),
        "by_key": _figures(
            "ApiUsageByKey", {"key": serializers.CharField(), "name": serializers.CharField()}, many=True
        ),
        "by_route": _figures("ApiUsageByRoute", {"route": serializers.CharField()}, many=True),
        "by_day": _figures("ApiUsageByDay", {"day": serializers.DateField()}, many=True),
        "total": _figures("ApiUsageTotal", {}),
    },
)


def _day(request: Request, name: str, default: date) -> date:
    value = request.query_params.get(name)
    if value is None:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        message = _("'%(name)s' must be a date like 2026-12-01 (UTC days).") % {"name": name}
        raise ApplicationError(message, code="invalid_range", fields={name: [message]}) from None


def usage_range(request: Request) -> tuple[date, date]:
    """The asked days (inclusive, UTC): the last DEFAULT_DAYS by default; from after to, or a range longer
    than USAGE_MAX_RANGE_DAYS, is a 400."""
    unknown = sorted(set(request.query_params) - set(PARAMETERS))
    if unknown:
        message = _("Unknown parameter %(unknown)s: usage takes %(PARAMETERS)s.") % {
            "unknown": ", ".join(unknown),
            "PARAMETERS": ", ".join(PARAMETERS),
        }
        raise ApplicationError(message, code="invalid_query", fields={name: [message] for name in unknown})
    today = datetime.now(UTC).date()
    end = _day(request, "to", today)
    start = _day(request, "from", end - timedelta(days=DEFAULT_DAYS - 1))
    if start > end:
        message = _("'from' (%(start)s) is after 'to' (%(end)s).") % {"start": start, "end": end}
        raise ApplicationError(message, code="invalid_range", fields={"from": [message]})
    if (end - start).days + 1 > settings.USAGE_MAX_RANGE_DAYS:
        message = _("Ask for at most %(USAGE_MAX_RANGE_DAYS)s days at once (%(start)s to %(end)s is longer).") % {
            "USAGE_MAX_RANGE_DAYS": settings.USAGE_MAX_RANGE_DAYS,
            "start": start,
            "end": end,
        }
        raise ApplicationError(message, code="invalid_range", fields={"from": [message]})
    return start, end


class TenantUsageViewSet(TenantScopedViewSet):
    queryset = ApiUsageDay.objects.none()
    pagination_class = None
    required_scopes = {"list": "tenants:admin"}

    @extend_schema(
        summary="API usage of the tenant's keys per day, key and route (requests, errors, p50/p95 latency)",
        description="Counted per UTC day from the request counters, folded into daily rows every few minutes "
        "(USAGE_FOLD_SECONDS), so today's figures trail by up to that long. A date that does not parse, "
        "`from` after `to` or a range longer than the maximum is a 400.",
        parameters=[
            OpenApiParameter("from", str, description="First day (YYYY-MM-DD, UTC); default 6 days before `to`"),
            OpenApiParameter("to", str, description="Last day (YYYY-MM-DD, UTC); default today"),
            OpenApiParameter("key", str, description="Only this key (its prefix)"),
            OpenApiParameter("route", str, description="Only this route (its name, e.g. v1:bet-list)"),
        ],
        responses={200: UsageSerializer, **ERROR_RESPONSES},
    )
    def list(self, request: Request, guild_id=None) -> Response:
        start, end = usage_range(request)
        rows = usage_rows(
            tenant=self.tenant,
            start=start,
            end=end,
            key_prefix=request.query_params.get("key", ""),
            route=request.query_params.get("route", ""),
        )
        return Response({"from": start, "to": end, **usage_summary(rows=rows)})
