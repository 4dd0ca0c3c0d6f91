"""Deployment configurations (one per environment) and the releases started against them.

The Kubernetes manifests are generated from a `DeploymentEnvironment` row (`manage.py k8s_manifests --env
production`), so the numbers operators tune (replicas, resources, autoscaling, hosts, which worker takes which
queues) live in the database, are edited in the admin with an audit record, and are the same for everyone who
generates the manifests. Secrets are only *named* here (the Secret objects the pods read with envFrom):
their values never enter the database or a generated file.
"""

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

__all__ = ["DeploymentEnvironment", "Release", "ReleaseStatus"]

# Kubernetes names (RFC 1123 labels) and resource quantities ("250m", "512Mi", "1", "1.5Gi")
k8s_name_validator = RegexValidator(
    r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", "Use lower-case letters, digits and '-' (a Kubernetes name)."
)
cpu_validator = RegexValidator(r"^([0-9]+m|[0-9]+(\.[0-9]+)?)$", 'A CPU quantity such as "250m" or "1".')
memory_validator = RegexValidator(r"^[0-9]+(Ki|Mi|Gi|Ti|k|M|G|T)?$", 'A memory quantity such as "512Mi" or "2Gi".')
image_validator = RegexValidator(
    r"^[a-z0-9]+([._/:-][a-z0-9]+)*$", 'An image repository such as "registry.example.com/dbsbm/portal".'
)


class DeploymentEnvironment(models.Model):
    """One environment's deployment configuration: what `k8s_manifests --env <name>` renders."""

    name = models.CharField(max_length=63, unique=True, validators=[k8s_name_validator])
    namespace = models.CharField(max_length=63, validators=[k8s_name_validator])
    image = models.CharField(max_length=200, validators=[image_validator], help_text="Repository, without the tag.")
    image_tag = models.CharField(
        max_length=128,
        default="latest",
        validators=[RegexValidator(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", "An image tag (letters, digits, _.-).")],
    )
    web_replicas = models.PositiveSmallIntegerField(default=2, validators=[MinValueValidator(1)])
    web_cpu_request = models.CharField(max_length=16, default="250m", validators=[cpu_validator])
    web_cpu_limit = models.CharField(max_length=16, default="1", validators=[cpu_validator])
    web_memory_request = models.CharField(max_length=16, default="512Mi", validators=[memory_validator])
    web_memory_limit = models.CharField(max_length=16, default="1Gi", validators=[memory_validator])
    autoscaling_min_replicas = models.PositiveSmallIntegerField(default=2, validators=[MinValueValidator(1)])
    autoscaling_max_replicas = models.PositiveSmallIntegerField(default=10, validators=[MinValueValidator(1)])
    autoscaling_target_cpu_percent = models.PositiveSmallIntegerField(
        default=70, validators=[MinValueValidator(10), MaxValueValidator(100)]
    )
    pod_disruption_min_available = models.PositiveSmallIntegerField(default=1)
    hosts = models.JSONField(default=list, help_text='Host names the Ingress answers, e.g. ["portal.example.com"].')
    tls_secret_name = models.CharField(
        max_length=63, blank=True, validators=[k8s_name_validator], help_text="The Secret holding the TLS certificate."
    )
    config = models.JSONField(
        default=dict, blank=True, help_text="Plain (non-secret) environment values, rendered into the ConfigMap."
    )
    secret_names = models.JSONField(
        default=list, blank=True, help_text="Names of existing Secrets the pods read with envFrom (never values)."
    )
    worker_groups = models.JSONField(
        default=list,
        help_text='One Deployment each: [{"name": "grading", "queues": ["grading"], "replicas": 2, '
        '"concurrency": 4, "pool": "prefork", "cpu": "500m", "memory": "512Mi"}].',
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(autoscaling_min_replicas__lte=models.F("autoscaling_max_replicas")),
                name="deployment_env_autoscaling_min_le_max",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ReleaseStatus(models.TextChoices):
    STARTED = "started", "Started"
    MIGRATED = "migrated", "Migrated"
    FAILED = "failed", "Failed"


class Release(models.Model):
    """A release as it starts (`manage.py release_start`, run by the migration Job): which version and commit,
    which migrations were pending and applied, who started it and when; then whether its migrations ran."""

    environment = models.ForeignKey(
        DeploymentEnvironment, on_delete=models.PROTECT, null=True, blank=True, related_name="releases"
    )
    version = models.CharField(max_length=64)
    git_commit = models.CharField(max_length=64, blank=True)
    started_by = models.CharField(max_length=200)
    started_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=ReleaseStatus.choices, default=ReleaseStatus.STARTED)
    applied_migration_count = models.PositiveIntegerField(help_text="Migrations already applied at the start.")
    pending_migrations = models.JSONField(default=list, help_text='Pending at the start: ["app.0002_name", ...].')
    finished_at = models.DateTimeField(null=True, blank=True)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["status", "started_at"])]

    def __str__(self) -> str:
        return f"{self.version} ({self.environment or 'no environment'}) {self.started_at:%Y-%m-%d %H:%M}"
