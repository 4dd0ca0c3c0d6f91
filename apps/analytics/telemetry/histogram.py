"""The latency histogram's percentile arithmetic lives in core (apps/core/monitoring/histogram.py), where the
request counters are: the API usage of the integration app reads it too, and it may not import analytics."""

from apps.core.monitoring.histogram import histogram_add, histogram_quantile

__all__ = ["histogram_add", "histogram_quantile"]
