"""Threshold alert rules in the style of Grafana's alerting: a rule watches one metric query, reduces the
evaluated window of each series to one number, compares it with a threshold, and keeps one alert instance
per series moving normal → pending → firing → resolved; silences mute the notifications of matching
instances for a while. The choices live here (not in a shared choices module) so that each part of the
analytics app keeps to its own files.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from apps.notifications.choices import Severity

MIN_INTERVAL_SECONDS = 10


class AlertReducer(models.TextChoices):
    """How the window's values of a series become the one number the condition compares."""

    LAST = "last", "Last value"
    MEAN = "mean", "Mean"
    MAX = "max", "Maximum"
    MIN = "min", "Minimum"
    SUM = "sum", "Sum"


class AlertCondition(models.TextChoices):
    GT = "gt", "is above (>)"
    GTE = "gte", "is at or above (>=)"
    LT = "lt", "is below (<)"
    LTE = "lte", "is at or below (<=)"
    EQ = "eq", "equals (==)"
    NE = "ne", "differs from (!=)"
    OUTSIDE = "outside", "is outside the range"


class AlertState(models.TextChoices):
    """normal → pending (the condition holds, the pending period runs) → firing (notified) → resolved
    (the condition no longer holds; notified). Resolved behaves as normal for the next evaluation."""

    NORMAL = "normal", "Normal"
    PENDING = "pending", "Pending"
    FIRING = "firing", "Firing"
    RESOLVED = "resolved", "Resolved"


class AlertRule(models.Model):
    """A metric query (stored as its parameters, checked by MetricQuery.parse when saved and when
    evaluated), a window, a reducer and a condition; evaluated every `interval_seconds` by beat."""

    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    tenant = models.ForeignKey(
        "tenants.Tenant", null=True, blank=True, on_delete=models.CASCADE, help_text="Empty: platform-wide."
    )
    query = models.JSONField(
        default=dict,
        help_text='Metric query parameters without dates, e.g. {"metrics": "stake_units", "grain": "hour", '
        '"group_by": "league", "filter_bet_type": "parlay"}.',
    )
    window = models.PositiveIntegerField(
        default=1,
        validators=[MinValueValidator(1)],
        help_text="How many buckets of the grain are evaluated, ending with the current one (days for grain none).",
    )
    reducer = models.CharField(max_length=8, choices=AlertReducer.choices, default=AlertReducer.LAST)
    condition = models.CharField(max_length=8, choices=AlertCondition.choices, default=AlertCondition.GT)
    threshold = models.FloatField(help_text="The threshold; the range's low end for 'outside'.")
    threshold_high = models.FloatField(null=True, blank=True, help_text="The range's high end ('outside' only).")
    pending_seconds = models.PositiveIntegerField(
        default=0, help_text="How long the condition must hold before the alert fires (0: at once)."
    )
    interval_seconds = models.PositiveIntegerField(
        default=60, validators=[MinValueValidator(MIN_INTERVAL_SECONDS)], help_text="How often the rule is evaluated."
    )
    severity = models.CharField(max_length=16, choices=Severity.choices, default=Severity.WARNING)
    targets = models.JSONField(
        default=list,
        blank=True,
        help_text='Who is told (the incident escalation targets\' format): [{"kind": "email", "address": "…"}, '
        '{"kind": "webhook", "url": "https://…"}, {"kind": "role", "role": "security_analyst"}, '
        '{"kind": "user", "user_id": 3}, {"kind": "discord", "url": "…"}].',
    )
    is_enabled = models.BooleanField(default=True)
    next_evaluation_at = models.DateTimeField(null=True, blank=True)
    last_evaluated_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, help_text="Why the last evaluation could not run.")
    created_by_label = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], nulls_distinct=False, name="alertrule_unique_name"),
            models.CheckConstraint(condition=Q(reducer__in=AlertReducer.values), name="alertrule_reducer_valid"),
            models.CheckConstraint(condition=Q(condition__in=AlertCondition.values), name="alertrule_condition_valid"),
            models.CheckConstraint(
                condition=~Q(condition=AlertCondition.OUTSIDE)
                | Q(threshold_high__isnull=False, threshold_high__gt=F("threshold")),
                name="alertrule_range_ordered",
            ),
            models.CheckConstraint(condition=Q(window__gte=1), name="alertrule_window_positive"),
            models.CheckConstraint(
                condition=Q(interval_seconds__gte=MIN_INTERVAL_SECONDS), name="alertrule_interval_minimum"
            ),
        ]
        indexes = [models.Index(fields=["is_enabled", "next_evaluation_at"], name="alertrule_due")]

    def __str__(self) -> str:
        return self.name

    @property
    def metric(self) -> str:
        return str(self.query.get("metrics", ""))

    @property
    def scope_label(self) -> str:
        return self.tenant.name if self.tenant_id else "Platform"

    @property
    def target_labels(self) -> list[str]:
        """Each target as 'kind: value' (email: ops@example.org, role: security_analyst …)."""
        keys = ("address", "role", "user_id", "url")
        values = [next((target[key] for key in keys if key in target), "") for target in self.targets]
        return [f"{target.get('kind')}: {value}" for target, value in zip(self.targets, values, strict=True)]

    @property
    def condition_text(self) -> str:
        """'mean of stake_units over 3 hour(s) > 100' — what the rule checks, in one line."""
        grain = self.query.get("grain") or "day"
        unit = "day" if grain == "none" else grain
        symbols = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "eq": "==", "ne": "!="}
        if self.condition == AlertCondition.OUTSIDE:
            test = f"outside {self.threshold:g} … {self.threshold_high:g}"
        else:
            test = f"{symbols[self.condition]} {self.threshold:g}"
        return f"{self.reducer} of {self.metric} over {self.window} {unit}(s) {test}"


class AlertInstance(models.Model):
    """The state of one series of a rule (one per group-by value combination; `series_key` '' without
    group_by), with the moments it entered its states and the last value seen."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="instances")
    series_key = models.CharField(max_length=300, blank=True)
    labels = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=AlertState.choices, default=AlertState.NORMAL)
    value = models.FloatField(null=True, blank=True, help_text="The reduced value at the last evaluation.")
    pending_since = models.DateTimeField(null=True, blank=True)
    firing_since = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    firing_notified_at = models.DateTimeField(
        null=True, blank=True, help_text="When this firing was told (empty: not yet, e.g. silenced)."
    )
    last_evaluated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["rule", "series_key"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "series_key"], name="alertinstance_one_per_series"),
            models.CheckConstraint(condition=Q(state__in=AlertState.values), name="alertinstance_state_valid"),
            models.CheckConstraint(
                condition=~Q(state=AlertState.FIRING) | Q(firing_since__isnull=False),
                name="alertinstance_firing_has_start",
            ),
            models.CheckConstraint(
                condition=~Q(state=AlertState.PENDING) | Q(pending_since__isnull=False),
                name="alertinstance_pending_has_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule} [{self.series_key or 'all'}]: {self.state}"


class AlertSilence(models.Model):
    """Mutes the notifications of the instances it matches between `starts_at` and `ends_at`: those of one
    rule, or those whose labels carry every matcher's value (alertname, severity, tenant, metric and the
    group-by dimensions). States still change; only the telling waits. Who and why are kept."""

    rule = models.ForeignKey(AlertRule, null=True, blank=True, on_delete=models.CASCADE, related_name="silences")
    matchers = models.JSONField(default=dict, blank=True, help_text='Label equality, e.g. {"severity": "warning"}.')
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    comment = models.CharField(max_length=500, help_text="Why (a maintenance window, a known cause …).")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_by_label = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now)
    expired_at = models.DateTimeField(null=True, blank=True, help_text="Ended early by hand.")
    expired_by_label = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="alertsilence_window_ordered"),
            models.CheckConstraint(
                condition=Q(rule__isnull=False) | ~Q(matchers={}), name="alertsilence_rule_or_matchers"
            ),
        ]
        indexes = [models.Index(fields=["ends_at"], name="alertsilence_ends")]

    def __str__(self) -> str:
        what = f"rule {self.rule}" if self.rule_id else ", ".join(f"{k}={v}" for k, v in sorted(self.matchers.items()))
        return f"silence of {what}"

    def is_active_at(self, moment) -> bool:
        """In its window and not ended by hand before `moment` (one expired before it began never is)."""
        ended_early = self.expired_at is not None and self.expired_at <= moment
        return self.starts_at <= moment < self.ends_at and not ended_early

    def matches(self, rule: AlertRule, labels: dict) -> bool:
        if self.rule_id is not None and self.rule_id != rule.pk:
            return False
        return all(str(labels.get(name, "")) == str(value) for name, value in self.matchers.items())


class AlertStateChange(models.Model):
    """The history of an instance: every transition with the value that caused it and what was told (a
    notification, or the silence that muted it)."""

    instance = models.ForeignKey(AlertInstance, on_delete=models.CASCADE, related_name="changes")
    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="state_changes")
    from_state = models.CharField(max_length=10, choices=AlertState.choices)
    to_state = models.CharField(max_length=10, choices=AlertState.choices)
    value = models.FloatField(null=True, blank=True)
    at = models.DateTimeField()
    note = models.CharField(max_length=300, blank=True)
    notification = models.ForeignKey(
        "notifications.Notification", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    silenced_by = models.ForeignKey(AlertSilence, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["rule", "at"], name="alertstatechange_rule_at")]

    def __str__(self) -> str:
        return f"{self.instance}: {self.from_state} → {self.to_state} at {self.at:%Y-%m-%d %H:%M:%S}"
