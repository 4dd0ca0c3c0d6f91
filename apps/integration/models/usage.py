"""API usage per day, key and route (issue #15, API management): the daily rows beat folds from the request
counters in Redis (apps/core/monitoring/requests.py); no request writes to the database."""

from django.db import models
from django.db.models import Q

from apps.accounts.models import ApiKey
from apps.tenants.models import Tenant


class ApiUsageDay(models.Model):
    """One UTC day of one API key's requests on one route (for one tenant, or none on a platform route).

    The counts are the day's totals as the fold last read them; the latency is a histogram over the
    request counters' fixed bounds (LATENCY_BOUNDS_MS, then +Inf), so p50/p95 of any set of rows is the
    percentile of their summed buckets.
    """

    day = models.DateField()
    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="usage_days")
    tenant = models.ForeignKey(
        Tenant, null=True, blank=True, on_delete=models.CASCADE, related_name="api_usage_days",
        help_text="The tenant whose path was called; empty for platform routes.",
    )  # fmt: skip
    route = models.CharField(max_length=200, help_text="The URL pattern's name (v1:bet-list), never the raw path.")
    requests = models.PositiveBigIntegerField(default=0)
    errors_4xx = models.PositiveBigIntegerField(default=0)
    errors_5xx = models.PositiveBigIntegerField(default=0)
    latency_ms_sum = models.FloatField(default=0)
    latency_buckets = models.JSONField(default=list, help_text="Requests per latency bucket (bounds, then +Inf).")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-day", "api_key_id", "route"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "api_key", "tenant", "route"], name="api_usage_day_unique", nulls_distinct=False
            ),
            models.CheckConstraint(
                condition=Q(errors_4xx__lte=models.F("requests")) & Q(errors_5xx__lte=models.F("requests")),
                name="api_usage_day_errors_within_requests",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "day"], name="api_usage_day_tenant_day")]

    def __str__(self) -> str:
        return f"{self.day} key {self.api_key_id} {self.route}: {self.requests}"
