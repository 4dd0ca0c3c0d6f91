"""Rows of the model registry's admin pages: models with versions (through the service, so aliases and their
moves are written too), promotion requests, training jobs, logged predictions and drift reports."""

from django.contrib.auth import get_user_model

from apps.core.actors import Actor
from apps.ml.models import DriftReport, ModelVersion, PredictionLog, PromotionRequest, RegisteredModel, TrainingJob
from apps.ml.registry import demo
from apps.ml.registry.services import model_version_create


def _quiet(fraction: float, line: str) -> None:
    """Progress nobody reads."""


def ml_registry_admin_rows(*, actor: Actor, rows: int) -> None:
    result = demo.train({"rows": 200}, _quiet)
    users = list(get_user_model().objects.order_by("pk")[:2])
    for number in range(rows):
        model = RegisteredModel.objects.create(
            name=f"admin_model_{number:02}", label=f"Admin model {number:02}", affects_members=number % 2 == 0
        )
        version = model_version_create(model.name, result, actor=actor, code_version="test")
        if model.affects_members:
            PromotionRequest.objects.create(model=model, version=version, reason="rows", requested_by=users[0])
        TrainingJob.objects.create(model=model, requested_by_label=actor.label, version=version, status="succeeded")
        PredictionLog.objects.create(
            model=model, version=version, alias="challenger", features=[[1, 2, 3]], output=[{}]
        )
        DriftReport.objects.create(
            version=ModelVersion.objects.get(pk=version.pk), window_from=version.created_at, rows=0, threshold=0.2,
            status="insufficient",
        )  # fmt: skip
