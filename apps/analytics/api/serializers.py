"""Response shapes of the analytics API (the OpenAPI schema reads them; the catalogue renders through them)."""

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from apps.analytics.metrics import DIMENSIONS


# `many=False`: the query and catalogue answers are one object, although their action is DRF's `list`
@extend_schema_serializer(many=False)
class QueryResultSerializer(serializers.Serializer):
    """QueryResult.as_dict() (apps/analytics/query.py), the contract every consumer of a metric query shares."""

    columns = serializers.ListField(
        child=serializers.CharField(),
        help_text="The group-by dimensions, then the time bucket named by the grain (absent for grain=none), "
        "then the metric names, in the order asked.",
    )
    rows = serializers.ListField(
        child=serializers.ListField(child=serializers.JSONField()),
        help_text="One list per row, in the order of `columns`, sorted by dimensions then time. Every bucket of "
        "a series is present: sums and counts are 0 where nothing happened, ratios and means null where there "
        "is nothing to divide. Buckets are ISO dates (day, week = its Monday, month = its first day) or local "
        "`YYYY-MM-DDTHH:00` hours.",
    )
    labels = serializers.DictField(
        child=serializers.DictField(child=serializers.CharField()),
        help_text="Names of the dimension values in the rows, by dimension (capper id -> display name, league "
        "key -> league name, guild id -> tenant name).",
    )
    source = serializers.CharField(
        help_text="Where the figures came from: rollup, raw (aggregated from the ledger and bets), events, "
        "samples, joined by + when several."
    )
    stale = serializers.BooleanField(
        help_text="The rollups lagged or a refresh failed, so the figures were aggregated from the raw ledger "
        "(slower, still exact)."
    )


class MetricSerializer(serializers.Serializer):
    """Metric.as_dict() (apps/analytics/metrics.py)."""

    name = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.CharField(help_text="bets, units, ratio, seconds, count, cappers, odds, score or requests")
    format = serializers.CharField(help_text="A d3-format string for the values (plotly's formats use it too).")
    aggregation = serializers.CharField(
        help_text="sum, ratio (of two sums), mean (of a sum over a count), distinct or snapshot"
    )
    dimensions = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(DIMENSIONS)),
        help_text="What the metric may be grouped (group_by) and filtered (filter_<dimension>) by.",
    )
    description = serializers.CharField()
    higher_is_better = serializers.BooleanField(allow_null=True, help_text="null: neither")
    platform_only = serializers.BooleanField(help_text="Not a tenant's figure: only the platform-wide query has it.")


class DimensionSerializer(serializers.Serializer):
    name = serializers.CharField()
    description = serializers.CharField(help_text="What the values in a row are.")
    values = serializers.ListField(
        child=serializers.CharField(), allow_null=True, help_text="The allowed values when they are a closed set."
    )


class GrainSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The value of grain=; none: one bucket for the whole range.")
    max_range_days = serializers.IntegerField(help_text="The longest from..to range (in days) this grain answers.")


@extend_schema_serializer(many=False)
class CatalogueSerializer(serializers.Serializer):
    """What a metric query may ask for, so that integrators can discover it."""

    metrics = MetricSerializer(many=True)
    dimensions = DimensionSerializer(many=True)
    grains = GrainSerializer(many=True)
    max_metrics = serializers.IntegerField(help_text="The most metrics one query may ask for.")
    default_days = serializers.IntegerField(help_text="The range when from is not given: this many days up to `to`.")
    max_filter_values = serializers.IntegerField(help_text="The most values one filter_<dimension> may name.")
