"""Admin pages of the model registry: everything read-only (services write: training jobs, alias moves and
promotions go through the portal, where four eyes and the audit trail apply). A version shows its artifact's
size and SHA-256, never its bytes."""

from django.contrib import admin

from apps.core.admin.tools import ReadOnlyAdmin
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


class RegistryAdmin(ReadOnlyAdmin):
    show_facets = admin.ShowFacets.NEVER

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RegisteredModel)
class RegisteredModelAdmin(RegistryAdmin):
    list_display = ["name", "label", "affects_members", "created_at"]
    search_fields = ["name", "label"]


@admin.register(ModelVersion)
class ModelVersionAdmin(RegistryAdmin):
    list_display = ["model", "number", "status", "artifact_size", "short_sha256", "trained_by_label", "created_at"]
    list_filter = ["status"]
    list_select_related = ["model"]
    search_fields = ["model__name", "artifact_sha256", "data_fingerprint"]
    exclude = ["artifact", "reference_features"]
    readonly_fields = [
        "model", "number", "status", "artifact_sha256", "artifact_size", "params", "metrics", "baseline_metrics",
        "report", "feature_names", "data_fingerprint", "data_from", "data_to", "train_rows", "test_rows",
        "code_version", "trained_by", "trained_by_label", "created_at",
    ]  # fmt: skip

    def get_queryset(self, request):
        return super().get_queryset(request).defer("artifact", "reference_features")

    @admin.display(description="SHA-256")
    def short_sha256(self, version: ModelVersion) -> str:
        return f"{version.artifact_sha256[:16]}…"


@admin.register(ModelAlias)
class ModelAliasAdmin(RegistryAdmin):
    list_display = ["model", "name", "version_number", "updated_at"]
    list_select_related = ["model", "version"]
    search_fields = ["model__name", "name"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("version__artifact", "version__reference_features")

    @admin.display(description="version")
    def version_number(self, alias: ModelAlias) -> int:
        return alias.version.number


@admin.register(AliasMove)
class AliasMoveAdmin(RegistryAdmin):
    list_display = ["moved_at", "model", "alias", "kind", "actor_label", "reason"]
    list_filter = ["kind"]
    list_select_related = ["model"]
    search_fields = ["model__name", "alias", "actor_label"]
    raw_id_fields = ["from_version", "to_version"]


@admin.register(PromotionRequest)
class PromotionRequestAdmin(RegistryAdmin):
    list_display = ["requested_at", "model", "alias", "status", "requested_by", "decided_by", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["model", "requested_by", "decided_by"]
    raw_id_fields = ["version", "requested_by", "decided_by"]


@admin.register(TrainingJob)
class TrainingJobAdmin(RegistryAdmin):
    list_display = ["id", "model", "status", "progress", "requested_by_label", "created_at", "finished_at"]
    list_filter = ["status"]
    list_select_related = ["model"]
    raw_id_fields = ["version", "requested_by"]


@admin.register(PredictionLog)
class PredictionLogAdmin(RegistryAdmin):
    list_display = ["created_at", "model", "alias", "prediction_id", "api_key_prefix"]
    list_select_related = ["model"]
    search_fields = ["prediction_id", "api_key_prefix"]
    raw_id_fields = ["version", "tenant"]


@admin.register(DriftReport)
class DriftReportAdmin(RegistryAdmin):
    list_display = ["checked_at", "version", "status", "rows", "max_psi"]
    list_filter = ["status"]
    list_select_related = ["version__model"]
    raw_id_fields = ["version"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("version__artifact", "version__reference_features")
