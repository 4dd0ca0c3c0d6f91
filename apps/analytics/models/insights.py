"""Anomaly insights: a point of a key metric's series that its seasonal decomposition did not expect
(apps/analytics/insights/detection.py says how), and the state of each metric's last scan (why there is
no insight: too short a series, too many empty days)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class InsightDirection(models.TextChoices):
    ABOVE = "above", "Above the expected range"
    BELOW = "below", "Below the expected range"


class InsightScanStatus(models.TextChoices):
    JUDGED = "judged", "Judged"
    NOT_JUDGED = "not_judged", "Not judged (see the reason)"
    FAILED = "failed", "Failed"


class Insight(models.Model):
    """One anomalous bucket of a metric for a tenant (or the platform: no tenant); one per metric, scope,
    grain and bucket however often the scan runs."""

    metric = models.CharField(max_length=64)
    tenant = models.ForeignKey(
        "tenants.Tenant", null=True, blank=True, on_delete=models.CASCADE, help_text="Empty: platform-wide."
    )
    grain = models.CharField(max_length=8, default="day")
    bucket = models.CharField(
        max_length=16, help_text="The bucket as the query names it: 2026-11-20, 2026-11-20T13:00."
    )
    observed = models.FloatField()
    expected = models.FloatField()
    expected_low = models.FloatField()
    expected_high = models.FloatField()
    z = models.FloatField(help_text="Robust z-score of the residual (median and MAD).")
    confidence = models.FloatField(help_text="1 − the Bonferroni bound on the chance of noise this far out.")
    direction = models.CharField(max_length=8, choices=InsightDirection.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-bucket", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "tenant", "grain", "bucket"], nulls_distinct=False, name="insight_one_per_bucket"
            ),
            models.CheckConstraint(condition=Q(confidence__gte=0, confidence__lte=1), name="insight_confidence_range"),
            models.CheckConstraint(condition=Q(expected_low__lte=models.F("expected_high")), name="insight_range"),
        ]
        indexes = [models.Index(fields=["tenant", "created_at"], name="insight_tenant_created")]

    def __str__(self) -> str:
        return f"{self.metric} {self.direction} expected on {self.bucket}"

    @property
    def confidence_text(self) -> str:
        return "> 99.99%" if self.confidence > 0.9999 else f"{self.confidence:.2%}"


class InsightScan(models.Model):
    """The last scan of one metric for one scope: when, over how many buckets, and the outcome."""

    metric = models.CharField(max_length=64)
    tenant = models.ForeignKey("tenants.Tenant", null=True, blank=True, on_delete=models.CASCADE)
    scanned_at = models.DateTimeField()
    scanned_through = models.DateField(help_text="The last bucket (day) of the series scanned.")
    points = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=12, choices=InsightScanStatus.choices)
    reason = models.CharField(max_length=300, blank=True)
    anomalies = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["metric", "tenant"]
        constraints = [
            models.UniqueConstraint(fields=["metric", "tenant"], nulls_distinct=False, name="insightscan_one_per_scope")
        ]

    def __str__(self) -> str:
        return f"scan of {self.metric} for {self.tenant_id or 'platform'}: {self.status}"
