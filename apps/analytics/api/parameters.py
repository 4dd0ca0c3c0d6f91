"""The query parameters of the analytics API as OpenAPI parameters, built from the metric registry so the
schema's enums (metrics, dimensions, grains, closed filter values) are exactly what the query accepts."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from apps.analytics.metrics import DIMENSIONS, GRAINS, metrics_for
from apps.analytics.query import (
    CLOSED_VALUES,
    FILTER_PREFIX,
    MAX_FILTER_VALUES,
    MAX_METRICS,
    MAX_RANGE_DAYS,
    MAX_VALUE_LENGTH,
)

DEFAULT_DAYS = 30  # MetricQuery.parse's default range when `from` is not given
_CAPPER_ID = r"^[0-9]{1,18}$"


def dimensions_for(*, tenant_scoped: bool) -> list[str]:
    """The dimensions a query may group or filter by: a tenant's query is already one tenant."""
    return [name for name in DIMENSIONS if not (tenant_scoped and name == "tenant")]


def _comma_list(items: dict, *, max_items: int) -> dict:
    return {"type": "array", "items": items, "minItems": 1, "maxItems": max_items}


def _filter_items(dimension: str) -> dict:
    if dimension in CLOSED_VALUES:
        return {"type": "string", "enum": list(CLOSED_VALUES[dimension])}
    if dimension == "capper":
        return {"type": "string", "pattern": _CAPPER_ID}
    return {"type": "string", "minLength": 1, "maxLength": MAX_VALUE_LENGTH}


def query_parameters(*, tenant_scoped: bool) -> list[OpenApiParameter]:
    """metrics, group_by, grain, from, to and one filter_<dimension> per dimension."""
    metrics = [metric.name for metric in metrics_for(tenant_scoped=tenant_scoped)]
    dimensions = dimensions_for(tenant_scoped=tenant_scoped)
    limits = ", ".join(f"{grain or 'none'}: {days}" for grain, days in MAX_RANGE_DAYS.items())
    zone = "the tenant's time zone" if tenant_scoped else "each tenant's own time zone (hours: UTC)"
    parameters = [
        OpenApiParameter(
            "metrics",
            _comma_list({"type": "string", "enum": metrics}, max_items=MAX_METRICS),
            required=True,
            style="form",
            explode=False,
            description=f"Comma-separated metric names, at most {MAX_METRICS}; each is a column, in this order. "
            "GET …/analytics/metrics/ describes them and the dimensions each allows.",
        ),
        OpenApiParameter(
            "group_by",
            _comma_list({"type": "string", "enum": dimensions}, max_items=len(dimensions)),
            style="form",
            explode=False,
            description="Comma-separated dimensions to split by (columns before the time bucket); every metric "
            "asked must allow each of them.",
        ),
        OpenApiParameter(
            "grain",
            OpenApiTypes.STR,
            enum=[*GRAINS, "none"],
            default="day",
            description=f"The time bucket, in {zone}; none: one bucket for the whole range. The longest range "
            f"per grain, in days: {limits}.",
        ),
        OpenApiParameter(
            "from",
            OpenApiTypes.DATE,
            description=f"First day (inclusive, YYYY-MM-DD, in {zone}); default: {DEFAULT_DAYS} days up to `to`.",
        ),
        OpenApiParameter("to", OpenApiTypes.DATE, description="Last day (inclusive, YYYY-MM-DD); default: today."),
    ]
    for dimension in dimensions:
        parameters.append(
            OpenApiParameter(
                f"{FILTER_PREFIX}{dimension}",
                _comma_list(_filter_items(dimension), max_items=MAX_FILTER_VALUES),
                style="form",
                explode=False,
                description=f"Keep only the rows of these comma-separated values of {dimension}: "
                f"{DIMENSIONS[dimension]}. Every metric asked must allow the dimension.",
            )
        )
    return parameters
