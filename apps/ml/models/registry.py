"""The model registry: models, their versions (skops artifacts with SHA-256), aliases and their moves,
promotion requests (four eyes), training jobs, the sampled prediction log and drift reports."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from apps.ml.registry.choices import AliasMoveKind, DriftStatus, JobStatus, PromotionStatus, VersionStatus


class RegisteredModel(models.Model):
    """A model kind known to the registry (created from its `model_kind_register` on first use)."""

    name = models.SlugField(max_length=64, unique=True)
    label = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    affects_members = models.BooleanField(
        default=False, help_text="Moving its champion needs a second staff user's approval."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ModelVersion(models.Model):
    """One trained version: the estimator as skops bytes (never pickle), their SHA-256 and the evidence."""

    model = models.ForeignKey(RegisteredModel, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    artifact = models.BinaryField()
    artifact_sha256 = models.CharField(max_length=64)
    artifact_size = models.PositiveIntegerField()
    params = models.JSONField(default=dict)
    metrics = models.JSONField(default=dict)
    baseline_metrics = models.JSONField(default=dict)
    report = models.JSONField(default=dict)
    feature_names = models.JSONField(default=list)
    reference_features = models.JSONField(default=list)
    data_fingerprint = models.CharField(max_length=64)
    data_from = models.DateTimeField(null=True, blank=True)
    data_to = models.DateTimeField(null=True, blank=True)
    train_rows = models.PositiveIntegerField()
    test_rows = models.PositiveIntegerField()
    code_version = models.CharField(max_length=64)
    trained_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    trained_by_label = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=16, choices=VersionStatus.choices, default=VersionStatus.READY)

    class Meta:
        ordering = ["model", "-number"]
        constraints = [models.UniqueConstraint(fields=["model", "number"], name="ml_version_number_unique")]

    def __str__(self) -> str:
        return f"{self.model_id and self.model.name} v{self.number}"


class ModelAlias(models.Model):
    """A name (champion, challenger, any) pointing at one version of a model; every move is in AliasMove."""

    model = models.ForeignKey(RegisteredModel, on_delete=models.PROTECT, related_name="aliases")
    name = models.SlugField(max_length=32)
    version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="aliases")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["model", "name"]
        constraints = [models.UniqueConstraint(fields=["model", "name"], name="ml_alias_unique")]
        permissions = [("move_modelalias", "Can move and roll back model aliases")]

    def __str__(self) -> str:
        return f"{self.model_id and self.model.name}@{self.name}"


class AliasMove(models.Model):
    """The history of an alias: from which version to which, why and by whom (rollback reads it)."""

    model = models.ForeignKey(RegisteredModel, on_delete=models.PROTECT, related_name="alias_moves")
    alias = models.SlugField(max_length=32)
    from_version = models.ForeignKey(ModelVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=AliasMoveKind.choices)
    actor_label = models.CharField(max_length=150)
    reason = models.CharField(max_length=500, blank=True)
    moved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-moved_at", "-id"]
        indexes = [models.Index(fields=["model", "alias", "-id"], name="ml_alias_move_history")]

    def __str__(self) -> str:
        return f"{self.alias}: {self.from_version_id} -> {self.to_version_id} ({self.kind})"


class PromotionRequest(models.Model):
    """A request to move an alias (champion) of a model that affects members; a second staff user decides."""

    model = models.ForeignKey(RegisteredModel, on_delete=models.PROTECT, related_name="promotion_requests")
    version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="promotion_requests")
    alias = models.SlugField(max_length=32, default="champion")
    status = models.CharField(max_length=16, choices=PromotionStatus.choices, default=PromotionStatus.PENDING)
    reason = models.CharField(max_length=500)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        permissions = [("decide_promotionrequest", "Can approve or reject another person's promotion request")]
        constraints = [
            # four eyes, in the database too: whoever decides is not whoever asked
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="ml_promotion_four_eyes",
            ),
            models.UniqueConstraint(
                fields=["model", "alias"], condition=Q(status="pending"), name="ml_promotion_one_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"promotion request {self.pk} ({self.status})"


class TrainingJob(models.Model):
    """One run of a model kind's trainer on the `ml` queue, with its progress and log lines."""

    model = models.ForeignKey(RegisteredModel, on_delete=models.PROTECT, related_name="training_jobs")
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.FloatField(default=0.0)
    log = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    version = models.ForeignKey(ModelVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    requested_by_label = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"training job {self.pk} ({self.status})"


class PredictionLog(models.Model):
    """A sampled predict call (ML_PREDICTION_LOG_SAMPLE): which version answered, the features and outputs."""

    model = models.ForeignKey(RegisteredModel, on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="+")
    alias = models.SlugField(max_length=32)
    prediction_id = models.UUIDField(default=uuid.uuid4, unique=True)
    tenant = models.ForeignKey("tenants.Tenant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    api_key_prefix = models.CharField(max_length=32, blank=True)
    features = models.JSONField(default=list)  # one feature row per input row
    output = models.JSONField(default=list)  # one output per input row
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["version", "created_at"], name="ml_prediction_version_time")]

    def __str__(self) -> str:
        return str(self.prediction_id)


class DriftReport(models.Model):
    """Population stability index per feature of a version's logged features against its reference sample."""

    version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="drift_reports")
    checked_at = models.DateTimeField(default=timezone.now)
    window_from = models.DateTimeField()
    rows = models.PositiveIntegerField()
    psi = models.JSONField(default=dict)  # {feature: psi}
    max_psi = models.FloatField(null=True, blank=True)
    threshold = models.FloatField()
    status = models.CharField(max_length=16, choices=DriftStatus.choices)

    class Meta:
        ordering = ["-checked_at", "-id"]

    def __str__(self) -> str:
        return f"drift of version {self.version_id} at {self.checked_at:%Y-%m-%d %H:%M} ({self.status})"
