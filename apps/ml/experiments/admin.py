"""Experiments and bandits in the admin: read-only rows (creation and settings go through the portal's forms and
the services); start and stop are actions calling the services (audited). Imported by apps/ml/registrations.py."""

from django.contrib import admin

from apps.core.actors import actor_for_request
from apps.core.admin.tools import LargeReadOnlyAdmin, ReadOnlyAdmin, ReadOnlyInline, each_selected
from apps.ml.experiments.services import bandit_start, bandit_stop, experiment_start, experiment_stop
from apps.ml.models import Bandit, BanditArm, BanditSimulation, BanditStep, Experiment


@admin.register(Experiment)
class ExperimentAdmin(ReadOnlyAdmin):
    list_display = ["key", "status", "unit_kind", "metric", "metric_kind", "sample_size_per_variant", "created_at"]
    list_filter = ["status", "unit_kind", "metric_kind"]
    search_fields = ["key", "hypothesis"]
    actions = ["start", "stop"]

    def has_change_permission(self, request, obj=None) -> bool:
        # the change page stays read-only (every field is); the actions need the permission
        return request.user.has_perm("ml.change_experiment")

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Experiment._meta.fields]

    @admin.action(description="Start the selected draft experiments")
    def start(self, request, queryset):
        actor = actor_for_request(request)
        each_selected(self, request, queryset, lambda row: experiment_start(experiment=row, actor=actor),
                      name=str, done="experiment(s) started")  # fmt: skip

    @admin.action(description="Stop the selected running experiments")
    def stop(self, request, queryset):
        actor = actor_for_request(request)
        each_selected(
            self, request, queryset,
            lambda row: experiment_stop(experiment=row, actor=actor, reason="stopped from the admin"),
            name=str, done="experiment(s) stopped",
        )  # fmt: skip


class BanditArmInline(ReadOnlyInline):
    model = BanditArm
    fields = ["alias", "successes", "failures"]
    readonly_fields = fields


@admin.register(Bandit)
class BanditAdmin(ReadOnlyAdmin):
    list_display = ["model_name", "is_active", "prior_alpha", "prior_beta", "minimum_share", "created_at"]
    list_filter = ["is_active"]
    inlines = [BanditArmInline]
    actions = ["start", "stop"]

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("ml.change_bandit")

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Bandit._meta.fields]

    @admin.action(description="Start the selected bandits (a new episode)")
    def start(self, request, queryset):
        actor = actor_for_request(request)
        each_selected(self, request, queryset, lambda row: bandit_start(bandit=row, actor=actor),
                      name=str, done="bandit(s) started")  # fmt: skip

    @admin.action(description="Stop the selected bandits")
    def stop(self, request, queryset):
        actor = actor_for_request(request)
        each_selected(self, request, queryset, lambda row: bandit_stop(bandit=row, actor=actor, reason="admin"),
                      name=str, done="bandit(s) stopped")  # fmt: skip


@admin.register(BanditStep)
class BanditStepAdmin(LargeReadOnlyAdmin):
    list_display = ["prediction_id", "arm", "is_exploration", "reward", "chosen_at", "rewarded_at"]
    list_select_related = ["arm"]
    list_filter = ["is_exploration"]
    search_fields = ["=prediction_id"]
    raw_id_fields = ["episode", "arm"]


@admin.register(BanditSimulation)
class BanditSimulationAdmin(ReadOnlyAdmin):
    list_display = ["id", "true_rates", "steps", "seeds", "created_at"]
