"""The service registry (issue #15, item 4; Consul's catalog and health checks): services, their instances
with metadata, the health checks of each instance, every check result (pruned after a retention period)
and the state changes (one row per change, kept as long as the instance)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.integration.registry.choices import CheckKind, CheckStatus, InstanceSource, ServiceKind


class Service(models.Model):
    """A logical part of the platform: `web`, `worker.grading`, `beat`, `database`, `webhook.example.com`."""

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=ServiceKind.choices)
    is_critical = models.BooleanField(default=False, help_text="/readyz depends on it (database, Redis, broker).")
    tags = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class ServiceInstance(models.Model):
    """One running (or reachable) copy of a service, with what it announced about itself. A deregistered
    instance keeps its rows (history); it registers again, as a new registration, if it comes back."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="instances")
    instance_id = models.CharField(max_length=200, help_text="Unique within the service: host:pid, host:port, …")
    address = models.CharField(max_length=300, blank=True, help_text="host:port or URL, never credentials.")
    version = models.CharField(max_length=50, blank=True)
    git_commit = models.CharField(max_length=64, blank=True)
    host = models.CharField(max_length=200, blank=True)
    pid = models.PositiveIntegerField(null=True, blank=True)
    queues = models.JSONField(default=list, blank=True)
    tags = models.JSONField(default=list, blank=True)
    meta = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=20, choices=InstanceSource.choices)
    started_at = models.DateTimeField(null=True, blank=True)
    registered_at = models.DateTimeField(default=timezone.now)
    last_heartbeat_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=CheckStatus.choices, default=CheckStatus.CRITICAL)
    status_changed_at = models.DateTimeField(default=timezone.now)
    critical_since = models.DateTimeField(null=True, blank=True)
    deregister_critical_after_seconds = models.PositiveIntegerField(
        null=True, blank=True, help_text="Deregistered after this long critical; empty: never (configuration)."
    )
    deregistered_at = models.DateTimeField(null=True, blank=True)
    deregistered_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["service__name", "instance_id"]
        constraints = [
            models.UniqueConstraint(fields=["service", "instance_id"], name="registry_instance_unique_per_service"),
            models.CheckConstraint(
                condition=Q(critical_since__isnull=True) | Q(status=CheckStatus.CRITICAL),
                name="registry_instance_critical_since_only_when_critical",
            ),
        ]
        indexes = [models.Index(fields=["deregistered_at", "critical_since"], name="registry_inst_dereg_idx")]

    def __str__(self) -> str:
        return f"{self.service.name}/{self.instance_id}"

    @property
    def is_registered(self) -> bool:
        return self.deregistered_at is None


class HealthCheck(models.Model):
    """One probe of an instance, run every `interval_seconds`; `target` says what to probe (a URL, a host
    and port, a database or cache alias, a settings name, a worker's node name: never a secret)."""

    instance = models.ForeignKey(ServiceInstance, on_delete=models.CASCADE, related_name="checks")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=CheckKind.choices)
    target = models.JSONField(default=dict, blank=True)
    is_guarded = models.BooleanField(
        default=False, help_text="Goes through the SSRF guard: a target outside our own infrastructure."
    )
    interval_seconds = models.PositiveIntegerField(default=15)
    timeout_seconds = models.PositiveIntegerField(default=3)
    status = models.CharField(max_length=10, choices=CheckStatus.choices, default=CheckStatus.CRITICAL)
    output = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    next_run_at = models.DateTimeField(default=timezone.now)
    status_changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["instance_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["instance", "name"], name="registry_check_unique_per_instance"),
            models.CheckConstraint(condition=Q(interval_seconds__gte=1), name="registry_check_interval_positive"),
            models.CheckConstraint(condition=Q(timeout_seconds__gte=1), name="registry_check_timeout_positive"),
        ]
        indexes = [models.Index(fields=["next_run_at"], name="registry_check_due_idx")]

    def __str__(self) -> str:
        return f"{self.instance}: {self.name}"


class CheckResult(models.Model):
    """One run of a check (history; deleted after REGISTRY_RESULT_RETENTION_HOURS)."""

    check_ref = models.ForeignKey(HealthCheck, on_delete=models.CASCADE, related_name="results")
    status = models.CharField(max_length=10, choices=CheckStatus.choices)
    output = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["check_ref", "-created_at"], name="registry_result_check_idx")]

    def __str__(self) -> str:
        return f"{self.status} at {self.created_at:%Y-%m-%d %H:%M:%S}"


class CheckTransition(models.Model):
    """A check's status changed (recorded once per change, not per run)."""

    check_ref = models.ForeignKey(HealthCheck, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=10, choices=CheckStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=CheckStatus.choices)
    output = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["check_ref", "-created_at"], name="registry_transition_check_idx")]

    def __str__(self) -> str:
        return f"{self.from_status or 'new'} -> {self.to_status} at {self.created_at:%Y-%m-%d %H:%M:%S}"
