"""A/B experiments (GrowthBook-style: deterministic hashing of units into weighted variants, exposures and
outcomes, a report with intervals, sample-ratio mismatch and a stated stop rule) and Thompson-sampling bandits
that route prediction traffic between a model's aliases (state, actions, rewards, episodes and steps stored)."""

import uuid

from django.db import models
from django.db.models import Q

from apps.ml.experiments.choices import ExperimentStatus, MetricKind, UnitKind


class Experiment(models.Model):
    """An A/B test: units (cappers or tenants) hashed into weighted variants; stopped by a fixed sample size per
    variant computed at creation from the minimum detectable effect, alpha and power."""

    key = models.SlugField(max_length=64, unique=True)
    hypothesis = models.TextField()
    unit_kind = models.CharField(max_length=16, choices=UnitKind.choices)
    # [{"name": "control", "weight": 0.5}, {"name": "treatment", "weight": 0.5}]; the first is the control
    variants = models.JSONField()
    metric = models.CharField(max_length=64)
    metric_kind = models.CharField(max_length=16, choices=MetricKind.choices, default=MetricKind.CONVERSION)
    baseline_rate = models.FloatField(null=True, blank=True)  # conversion: the control's expected rate
    baseline_sd = models.FloatField(null=True, blank=True)  # mean: the metric's expected standard deviation
    minimum_detectable_effect = models.FloatField()  # absolute difference (rate points or metric units)
    alpha = models.FloatField(default=0.05)
    power = models.FloatField(default=0.8)
    sample_size_per_variant = models.PositiveIntegerField()  # outcomes per variant at which it may stop
    status = models.CharField(max_length=16, choices=ExperimentStatus.choices, default=ExperimentStatus.DRAFT)
    stop_reason = models.CharField(max_length=300, blank=True)
    created_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(minimum_detectable_effect__gt=0), name="ml_experiment_mde_positive"),
            models.CheckConstraint(condition=Q(alpha__gt=0, alpha__lt=1), name="ml_experiment_alpha_range"),
            models.CheckConstraint(condition=Q(power__gt=0, power__lt=1), name="ml_experiment_power_range"),
        ]

    def __str__(self) -> str:
        return self.key

    @property
    def variant_names(self) -> list[str]:
        return [variant["name"] for variant in self.variants]


class ExperimentExposure(models.Model):
    """A unit saw its variant (one row per unit: a repeat exposure changes nothing)."""

    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="exposures")
    unit_id = models.CharField(max_length=64)
    variant = models.CharField(max_length=64)
    exposed_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["experiment", "unit_id"], name="ml_exposure_one_per_unit")]
        indexes = [models.Index(fields=["experiment", "variant"], name="ml_exposure_variant")]

    def __str__(self) -> str:
        return f"{self.experiment_id}:{self.unit_id}->{self.variant}"


class ExperimentOutcome(models.Model):
    """The metric's value for one exposed unit (one per unit: the first report counts)."""

    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="outcomes")
    unit_id = models.CharField(max_length=64)
    variant = models.CharField(max_length=64)
    value = models.FloatField()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["experiment", "unit_id"], name="ml_outcome_one_per_unit")]
        indexes = [models.Index(fields=["experiment", "variant"], name="ml_outcome_variant")]

    def __str__(self) -> str:
        return f"{self.experiment_id}:{self.unit_id}={self.value}"


class Bandit(models.Model):
    """A Thompson-sampling bandit over a model's aliases (the arms): each predict call without an alias samples
    every arm's Beta posterior and takes the largest; `minimum_share` of traffic per arm is kept as exploration."""

    model_name = models.CharField(max_length=64, unique=True)
    is_active = models.BooleanField(default=False)
    prior_alpha = models.FloatField(default=1.0)
    prior_beta = models.FloatField(default=1.0)
    minimum_share = models.FloatField(default=0.05)  # each arm gets at least this share of calls, at random
    current_episode = models.ForeignKey(
        "ml.BanditEpisode", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["model_name"]
        constraints = [
            models.CheckConstraint(condition=Q(prior_alpha__gt=0, prior_beta__gt=0), name="ml_bandit_prior_positive"),
            models.CheckConstraint(
                condition=Q(minimum_share__gte=0, minimum_share__lte=0.5), name="ml_bandit_minimum_share_range"
            ),
        ]

    def __str__(self) -> str:
        return f"bandit:{self.model_name}"


class BanditArm(models.Model):
    """One action (a model alias) and its posterior state: Beta(prior_alpha + successes, prior_beta + failures),
    a reward r in [0, 1] adding r to successes and 1 - r to failures."""

    bandit = models.ForeignKey(Bandit, on_delete=models.CASCADE, related_name="arms")
    alias = models.CharField(max_length=64)
    successes = models.FloatField(default=0)
    failures = models.FloatField(default=0)

    class Meta:
        ordering = ["bandit", "alias"]
        constraints = [models.UniqueConstraint(fields=["bandit", "alias"], name="ml_bandit_arm_alias_unique")]

    def __str__(self) -> str:
        return f"{self.bandit_id}:{self.alias}"


class BanditEpisode(models.Model):
    """One run of a bandit, from its start to its stop; its steps are the decisions made meanwhile."""

    bandit = models.ForeignKey(Bandit, on_delete=models.CASCADE, related_name="episodes")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["bandit", "-number"]
        constraints = [models.UniqueConstraint(fields=["bandit", "number"], name="ml_bandit_episode_number_unique")]

    def __str__(self) -> str:
        return f"{self.bandit_id}#{self.number}"


class BanditStep(models.Model):
    """One decision: the state seen (each arm's sampled value), the action (the arm), the reward once observed."""

    prediction_id = models.UUIDField(unique=True, default=uuid.uuid4)
    episode = models.ForeignKey(BanditEpisode, on_delete=models.CASCADE, related_name="steps")
    arm = models.ForeignKey(BanditArm, on_delete=models.CASCADE, related_name="steps")
    tenant_id = models.BigIntegerField(null=True, blank=True)  # the predict call's tenant; None: a platform key's
    sampled = models.JSONField()  # {"champion": 0.61, "challenger": 0.58}
    is_exploration = models.BooleanField(default=False)
    reward = models.FloatField(null=True, blank=True)
    chosen_at = models.DateTimeField(auto_now_add=True, db_index=True)
    rewarded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-chosen_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reward__isnull=True) | Q(reward__gte=0, reward__lte=1), name="ml_bandit_step_reward_range"
            )
        ]

    def __str__(self) -> str:
        return str(self.prediction_id)


class BanditSimulation(models.Model):
    """A regret simulation's result (Thompson sampling against fixed 50/50 on two arms of known rates), kept for
    the portal's regret curve."""

    true_rates = models.JSONField()
    steps = models.PositiveIntegerField()
    seeds = models.PositiveIntegerField()
    result = models.JSONField()  # summary and curves (see apps/ml/experiments/simulation.py)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"simulation {self.pk}"
