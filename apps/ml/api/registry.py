"""The registry's API: predictions (`POST /api/v1/ml/models/{name}/predict/`, scope `ml:predict`, tenant or
platform keys) and the models with their versions, aliases and metrics against their baselines (`GET
/api/v1/ml/models/` and `…/{name}/`, scope `ml:predict` on a platform key: which versions exist and how they
did is platform information, a tenant's integration only needs to call predict)."""

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.api.permissions import HasRequiredScope, IsPlatformKey
from apps.core.api.schema import ERROR_RESPONSES
from apps.core.api.viewsets import ApiViewSet
from apps.core.errors import NotFoundError
from apps.ml.models import ModelAlias, ModelVersion, RegisteredModel
from apps.ml.registry.predict import predict

SCOPE = "ml:predict"


class PredictInput(serializers.Serializer):
    inputs = serializers.ListField(
        child=serializers.DictField(),
        help_text="Input rows (at most ML_PREDICT_MAX_INPUTS, 1,000 by default), each in the model's input shape.",
    )
    alias = serializers.SlugField(
        max_length=32,
        required=False,
        help_text="champion, challenger or any alias of the model; omitted: the bandit chooses (else champion).",
    )


class PredictOutput(serializers.Serializer):
    model = serializers.CharField()
    alias = serializers.CharField()
    version = serializers.IntegerField()
    prediction_id = serializers.UUIDField(
        help_text="Report the outcome with …/ml/predictions/{prediction_id}/outcome/."
    )
    predictions = serializers.ListField(child=serializers.DictField(), help_text="One output per input row.")


class VersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ModelVersion
        fields = [
            "number",
            "status",
            "artifact_sha256",
            "params",
            "metrics",
            "baseline_metrics",
            "data_fingerprint",
            "data_from",
            "data_to",
            "train_rows",
            "test_rows",
            "code_version",
            "trained_by_label",
            "created_at",
        ]


class ModelSerializer(serializers.ModelSerializer):
    aliases = serializers.SerializerMethodField()

    class Meta:
        model = RegisteredModel
        fields = ["name", "label", "description", "affects_members", "aliases"]

    def get_aliases(self, model: RegisteredModel) -> dict[str, int]:
        return {alias.name: alias.version.number for alias in model.aliases.all()}


class ModelDetailSerializer(ModelSerializer):
    versions = VersionSerializer(many=True, read_only=True)

    class Meta(ModelSerializer.Meta):
        fields = [*ModelSerializer.Meta.fields, "versions"]


def _models():
    aliases = ModelAlias.objects.select_related("version").only("name", "model_id", "version__number")
    return RegisteredModel.objects.prefetch_related(Prefetch("aliases", queryset=aliases)).order_by("name")


class MlModelViewSet(ApiViewSet):
    lookup_field = "name"
    lookup_value_regex = "[a-z0-9_-]{1,64}"
    pagination_class = None
    filter_backends = []
    required_scopes = {"list": SCOPE, "retrieve": SCOPE, "predict": SCOPE}
    http_method_names = ["get", "post", "head", "options"]
    serializer_class = ModelSerializer

    def get_permissions(self):
        if self.action == "predict":
            return [HasRequiredScope()]
        return [HasRequiredScope(), IsPlatformKey()]

    @extend_schema(
        summary="The registered models and where their aliases point",
        responses={200: ModelSerializer(many=True), **ERROR_RESPONSES},
    )
    def list(self, request: Request) -> Response:
        return Response(ModelSerializer(_models(), many=True).data)

    @extend_schema(
        summary="One model: its versions with metrics against the baseline, and its aliases",
        responses={200: ModelDetailSerializer, **ERROR_RESPONSES},
    )
    def retrieve(self, request: Request, name: str | None = None) -> Response:
        versions = ModelVersion.objects.defer("artifact", "reference_features", "report").order_by("-number")
        model = _models().prefetch_related(Prefetch("versions", queryset=versions)).filter(name=name).first()
        if model is None:
            raise NotFoundError(_("No model is named %(name)r.") % {"name": name}, code="model_not_found")
        return Response(ModelDetailSerializer(model).data)

    @extend_schema(
        summary="Predict with a model's alias (or the bandit's choice); the call may be sampled into the log",
        request=PredictInput,
        responses={200: PredictOutput, **ERROR_RESPONSES},
        examples=[
            OpenApiExample(
                "demo_logistic",
                value={"inputs": [{"x1": 0.2, "x2": -1.0, "x3": 0.5}], "alias": "champion"},
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def predict(self, request: Request, name: str | None = None) -> Response:
        data = PredictInput(data=request.data)
        data.is_valid(raise_exception=True)
        credential = request.auth
        answer = predict(
            name=name,
            inputs=request.data.get("inputs"),  # validated row by row by the model's own serializer
            alias=data.validated_data.get("alias"),
            tenant_id=credential.tenant_id,
            api_key_prefix=getattr(credential, "prefix", ""),
        )
        return Response(answer)
