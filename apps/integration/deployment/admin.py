"""Deployment configurations (saved through the service: validated, audited) and the release records
(written by `release_start` only: read-only here)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from apps.core.actors import actor_for_request
from apps.core.admin.tools import ModelAdmin, ReadOnlyAdmin, ServiceAdminMixin
from apps.integration.deployment.services import deployment_environment_save
from apps.integration.deployment.validation import deployment_environment_check
from apps.integration.models.deployment import DeploymentEnvironment, Release


class DeploymentEnvironmentForm(forms.ModelForm):
    class Meta:
        model = DeploymentEnvironment
        fields = [  # noqa: RUF012 - Django's Meta
            "name",
            "namespace",
            "image",
            "image_tag",
            "web_replicas",
            "web_cpu_request",
            "web_cpu_limit",
            "web_memory_request",
            "web_memory_limit",
            "autoscaling_min_replicas",
            "autoscaling_max_replicas",
            "autoscaling_target_cpu_percent",
            "pod_disruption_min_available",
            "hosts",
            "tls_secret_name",
            "config",
            "secret_names",
            "worker_groups",
        ]

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            candidate = DeploymentEnvironment(**{**self._current(), **cleaned})
            try:
                deployment_environment_check(candidate)  # the JSON fields, checked before the save
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    self.add_error(field if field in self.fields else None, messages)
        return cleaned

    def _current(self) -> dict:
        return {field.name: getattr(self.instance, field.name) for field in DeploymentEnvironment._meta.concrete_fields}


@admin.register(DeploymentEnvironment)
class DeploymentEnvironmentAdmin(ServiceAdminMixin, ModelAdmin):
    form = DeploymentEnvironmentForm
    list_display = ["name", "namespace", "image", "image_tag", "web_replicas", "updated_at"]
    search_fields = ["name", "namespace"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "namespace", "image", "image_tag"]}),
        ("Web", {"fields": ["web_replicas", "web_cpu_request", "web_cpu_limit", "web_memory_request"]}),
        (
            "Autoscaling and disruption",
            {
                "fields": [
                    "autoscaling_min_replicas",
                    "autoscaling_max_replicas",
                    "autoscaling_target_cpu_percent",
                    "pod_disruption_min_available",
                ]
            },
        ),
        ("Web limits", {"fields": ["web_memory_limit"]}),
        ("Ingress", {"fields": ["hosts", "tls_secret_name"]}),
        ("Environment", {"fields": ["config", "secret_names"]}),
        ("Workers", {"fields": ["worker_groups"]}),
        (None, {"fields": ["created_at", "updated_at"]}),
    ]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # its releases keep pointing at it

    def save_model(self, request, obj, form, change):
        deployment_environment_save(environment=obj, actor=actor_for_request(request))


@admin.register(Release)
class ReleaseAdmin(ReadOnlyAdmin):
    list_display = ["version", "environment", "status", "git_commit", "started_by", "started_at", "finished_at"]
    list_filter = ["status", "environment"]
    list_select_related = ["environment"]
    search_fields = ["version", "git_commit", "started_by"]
    readonly_fields = [
        "environment",
        "version",
        "git_commit",
        "status",
        "started_by",
        "started_at",
        "finished_at",
        "applied_migration_count",
        "pending_migrations",
        "detail",
    ]
