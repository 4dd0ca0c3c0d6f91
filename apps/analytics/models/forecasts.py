"""The latest forecast of each series: a tenant's (or the platform's) metric at a grain, horizon and filter.

Derived data, like the compliance score snapshots: recomputed from the metric layer by beat or on demand,
never edited, so writing one records no audit event (the row itself says what was computed, from which
history, when). The API serves a row while its `history_digest` matches the history the metric layer
answers now (same last bucket, same values); otherwise the forecast is computed again and replaces it.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.analytics.metrics import GRAINS


class Forecast(models.Model):
    """One series' forecast: the model the backtest chose, its scores, and the points with intervals."""

    tenant = models.ForeignKey(
        "tenants.Tenant",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty: platform-wide (every tenant's figures together, days in UTC).",
    )
    metric = models.CharField(max_length=64)
    grain = models.CharField(max_length=8, choices=[(grain, grain) for grain in GRAINS])
    horizon = models.PositiveSmallIntegerField(help_text="Buckets forecast after the last complete one.")
    filters = models.CharField(
        max_length=500, blank=True, default="", help_text="The series' filters, as query parameters (a=b&c=d)."
    )
    model_name = models.CharField(max_length=64, help_text="The candidate the rolling-origin backtest chose.")
    mase = models.FloatField(null=True, blank=True, help_text="Empty when the history is constant (no scale).")
    smape = models.FloatField(help_text="A fraction, 0 to 2.")
    coverage_80 = models.FloatField(help_text="Share of held-out actuals inside the 80% intervals.")
    coverage_95 = models.FloatField(help_text="Share of held-out actuals inside the 95% intervals.")
    backtest_origins = models.PositiveSmallIntegerField()
    backtest_points = models.PositiveIntegerField(help_text="Held-out actuals compared.")
    candidates = models.JSONField(default=dict, help_text="Every candidate's backtest figures, or why it failed.")
    points = models.JSONField(default=list, help_text="[{t, yhat, lower_80, upper_80, lower_95, upper_95}, …]")
    history_start = models.CharField(max_length=16)
    history_end = models.CharField(max_length=16, help_text="The last complete bucket the forecast follows.")
    history_points = models.PositiveIntegerField()
    history_digest = models.CharField(max_length=64, help_text="SHA-256 of the history and the engine's version.")
    computed_at = models.DateTimeField(default=timezone.now)
    compute_milliseconds = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "metric", "grain", "horizon", "filters"],
                nulls_distinct=False,  # one platform-wide row per series too
                name="analytics_forecast_one_per_series",
            ),
            models.CheckConstraint(condition=Q(horizon__gte=1), name="analytics_forecast_horizon_positive"),
            models.CheckConstraint(
                condition=Q(coverage_80__gte=0, coverage_80__lte=1, coverage_95__gte=0, coverage_95__lte=1),
                name="analytics_forecast_coverage_is_a_share",
            ),
        ]
        indexes = [models.Index(fields=["computed_at"], name="analytics_forecast_computed")]

    def __str__(self) -> str:
        scope = f"tenant {self.tenant_id}" if self.tenant_id else "platform"
        return f"{self.metric} by {self.grain} +{self.horizon} ({scope}): {self.model_name}"

    def as_dict(self) -> dict:
        """The API's shape (exactly model, backtest, points)."""
        return {
            "model": self.model_name,
            "backtest": {
                "mase": self.mase,
                "smape": self.smape,
                "coverage_80": self.coverage_80,
                "coverage_95": self.coverage_95,
            },
            "points": self.points,
        }
