"""Reads of the registry for the portal and the API (each a fixed number of queries)."""

from django.db.models import Prefetch, QuerySet

from apps.ml.models import (
    AliasMove,
    DriftReport,
    ModelAlias,
    ModelVersion,
    PredictionLog,
    PromotionRequest,
    RegisteredModel,
    TrainingJob,
)
from apps.ml.registry.choices import PromotionStatus

LIGHT_VERSION_FIELDS = ("artifact", "reference_features")


def model_list() -> QuerySet[RegisteredModel]:
    """Every model with its aliases (and their version numbers): two queries."""
    aliases = ModelAlias.objects.select_related("version").defer(*(f"version__{name}" for name in LIGHT_VERSION_FIELDS))
    return RegisteredModel.objects.prefetch_related(Prefetch("aliases", queryset=aliases)).order_by("name")


def model_versions(*, model: RegisteredModel) -> list[ModelVersion]:
    """A model's versions, newest first, without their bytes and reference sample."""
    return list(model.versions.defer(*LIGHT_VERSION_FIELDS).order_by("-number"))


def version_get(*, model: RegisteredModel, number: int) -> ModelVersion | None:
    return model.versions.defer(*LIGHT_VERSION_FIELDS).filter(number=number).first()


def alias_history(*, model: RegisteredModel, limit: int = 50) -> list[AliasMove]:
    moves = AliasMove.objects.filter(model=model).select_related("from_version", "to_version")
    return list(
        moves.defer(*(f"{side}__{name}" for side in ("from_version", "to_version") for name in LIGHT_VERSION_FIELDS))[
            :limit
        ]
    )


def pending_promotions(*, model: RegisteredModel) -> list[PromotionRequest]:
    requests = model.promotion_requests.filter(status=PromotionStatus.PENDING)
    return list(
        requests.select_related("version", "requested_by").defer(*(f"version__{name}" for name in LIGHT_VERSION_FIELDS))
    )


def promotions_decided(*, model: RegisteredModel, limit: int = 20) -> list[PromotionRequest]:
    requests = model.promotion_requests.exclude(status=PromotionStatus.PENDING)
    return list(requests.select_related("version", "requested_by", "decided_by").only(
        "alias", "status", "reason", "requested_at", "decided_at", "decision_note", "version__number",
        "requested_by__username", "decided_by__username",
    )[:limit])  # fmt: skip


def job_list() -> QuerySet[TrainingJob]:
    return TrainingJob.objects.select_related("model", "version").only(
        "model__name", "status", "progress", "error", "created_at", "started_at", "finished_at",
        "requested_by_label", "version__number",
    )  # fmt: skip


def prediction_list(*, model_name: str = "") -> QuerySet[PredictionLog]:
    rows = PredictionLog.objects.select_related("model", "version", "tenant").only(
        "model__name", "version__number", "alias", "prediction_id", "tenant__guild_id", "api_key_prefix",
        "features", "output", "created_at",
    )  # fmt: skip
    return rows.filter(model__name=model_name) if model_name else rows


def drift_list() -> QuerySet[DriftReport]:
    return DriftReport.objects.select_related("version__model").only(
        "version__number", "version__model__name", "version__feature_names", "checked_at", "window_from", "rows",
        "psi", "max_psi", "threshold", "status",
    )  # fmt: skip
