"""Experiments (platform keys with `ml:predict`): assign a unit, record its outcome, read the report. Bandit
outcomes (`ml:predict`, tenant or platform keys): reward a prediction the bandit routed."""

from uuid import UUID

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.permissions import HasRequiredScope, IsPlatformKey
from apps.core.api.schema import ERROR_RESPONSES, ErrorSerializer
from apps.ml.experiments.api.serializers import (
    AssignInput,
    AssignOutput,
    OutcomeInput,
    OutcomeOutput,
    RewardInput,
    RewardOutput,
)
from apps.ml.experiments.selectors import experiment_get, experiment_report
from apps.ml.experiments.services import bandit_reward, experiment_assign, experiment_outcome_record

CONFLICT = {409: OpenApiResponse(ErrorSerializer, description="Not running, or already recorded differently")}


class ExperimentAssignView(APIView):
    """The unit's variant by deterministic hashing; its exposure is recorded the first time."""

    permission_classes = [HasRequiredScope, IsPlatformKey]
    required_scopes = {"post": "ml:predict"}

    @extend_schema(
        summary="Assign a unit to a variant of a running experiment",
        request=AssignInput,
        responses={200: AssignOutput, **ERROR_RESPONSES, **CONFLICT},
    )
    def post(self, request: Request, key: str) -> Response:
        data = AssignInput(data=request.data)
        data.is_valid(raise_exception=True)
        experiment, variant, recorded = experiment_assign(key=key, unit_id=data.validated_data["unit_id"])
        body = {"experiment": experiment.key, "unit_id": data.validated_data["unit_id"], "variant": variant}
        return Response(AssignOutput({**body, "recorded": recorded}).data)


class ExperimentOutcomeView(APIView):
    """The metric's value for an exposed unit, once."""

    permission_classes = [HasRequiredScope, IsPlatformKey]
    required_scopes = {"post": "ml:predict"}

    @extend_schema(
        summary="Record a unit's outcome in a running experiment",
        request=OutcomeInput,
        responses={201: OutcomeOutput, 200: OutcomeOutput, **ERROR_RESPONSES, **CONFLICT},
    )
    def post(self, request: Request, key: str) -> Response:
        data = OutcomeInput(data=request.data)
        data.is_valid(raise_exception=True)
        outcome, recorded = experiment_outcome_record(key=key, **data.validated_data)
        body = {"experiment": key, "unit_id": outcome.unit_id, "variant": outcome.variant, "value": outcome.value}
        return Response(
            OutcomeOutput({**body, "recorded": recorded}).data,
            status=status.HTTP_201_CREATED if recorded else status.HTTP_200_OK,
        )


class ExperimentReportView(APIView):
    """Per-variant n and mean, effects with 95% intervals, the sample ratio check and the stop decision."""

    permission_classes = [HasRequiredScope, IsPlatformKey]
    required_scopes = {"get": "ml:predict"}

    @extend_schema(
        summary="An experiment's report",
        responses={
            200: inline_serializer(name="ExperimentReport", fields={"experiment": serializers.CharField()}),
            **ERROR_RESPONSES,
        },
    )
    def get(self, request: Request, key: str) -> Response:
        return Response(experiment_report(experiment_get(key=key)))


class PredictionOutcomeView(APIView):
    """The observed reward of a prediction the bandit routed; it moves the chosen arm's posterior."""

    permission_classes = [HasRequiredScope]
    required_scopes = {"post": "ml:predict"}

    @extend_schema(
        summary="Report a bandit-routed prediction's reward",
        request=RewardInput,
        responses={
            200: RewardOutput,
            **ERROR_RESPONSES,
            409: OpenApiResponse(ErrorSerializer, description="The prediction already has its reward"),
        },
    )
    def post(self, request: Request, prediction_id: UUID) -> Response:
        data = RewardInput(data=request.data)
        data.is_valid(raise_exception=True)
        step = bandit_reward(
            prediction_id=prediction_id, reward=data.validated_data["reward"], tenant_id=request.auth.tenant_id
        )
        body = {"prediction_id": step.prediction_id, "model": step.episode.bandit.model_name, "alias": step.arm.alias}
        return Response(RewardOutput({**body, "reward": step.reward}).data)
