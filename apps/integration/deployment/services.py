"""Writes of the deployment area: configurations saved with an audit record, releases recorded as they start."""

import socket
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from apps.audit.services import audit_record, field_changes
from apps.core.actors import Actor
from apps.integration.deployment.validation import deployment_environment_check
from apps.integration.models.deployment import DeploymentEnvironment, Release, ReleaseStatus

AUDITED_FIELDS = [
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


def _snapshot(environment: DeploymentEnvironment) -> dict:
    return {field: getattr(environment, field) for field in AUDITED_FIELDS}


@transaction.atomic
def deployment_environment_save(*, environment: DeploymentEnvironment, actor: Actor) -> DeploymentEnvironment:
    """Create or change a configuration: refused (ValidationError by field) unless it renders valid manifests."""
    environment.full_clean()
    deployment_environment_check(environment)
    before = {}
    if environment.pk is not None:
        before = _snapshot(DeploymentEnvironment.objects.select_for_update().get(pk=environment.pk))
    created = environment.pk is None
    environment.save()
    changes = field_changes(before, _snapshot(environment))
    if changes:
        verb = "created" if created else "updated"
        audit_record(
            actor=actor, action=f"integration.deployment_environment_{verb}", target=environment, changes=changes
        )
    return environment


def migration_state() -> tuple[int, list[str]]:
    """(migrations applied, names of the pending ones in the order `migrate` would run them) of the default
    database, read the way `migrate` reads it."""
    executor = MigrationExecutor(connection)
    targets = executor.loader.graph.leaf_nodes()
    pending = [f"{migration.app_label}.{migration.name}" for migration, _ in executor.migration_plan(targets)]
    return len(executor.loader.applied_migrations), pending


def release_table_exists() -> bool:
    """False on a database no release was ever recorded in (before the first `migrate` of this app)."""
    return Release._meta.db_table in connection.introspection.table_names()


def release_actor_label() -> str:
    """Who starts a release when nobody says: the RELEASE_ACTOR setting (the CI job, the operator), else the host."""
    return settings.RELEASE_ACTOR or f"release job on {socket.gethostname()}"


@transaction.atomic
def release_start(
    *,
    version: str,
    git_commit: str,
    environment: DeploymentEnvironment | None,
    actor: Actor,
    state_at_start: tuple[int, list[str]] | None = None,
) -> Release:
    """Record a release as it starts, with the migrations pending now (the Job runs `migrate` next), or as
    `state_at_start` says (read before a first `migrate` created the table this row goes to)."""
    applied, pending = state_at_start or migration_state()
    release = Release.objects.create(
        environment=environment,
        version=version,
        git_commit=git_commit,
        started_by=actor.label,
        started_at=timezone.now(),
        applied_migration_count=applied,
        pending_migrations=pending,
        status=ReleaseStatus.MIGRATED if not pending and not state_at_start else ReleaseStatus.STARTED,
        finished_at=timezone.now() if not pending and not state_at_start else None,
    )
    audit_record(
        actor=actor,
        action="integration.release_started",
        target=release,
        changes={"version": version, "git_commit": git_commit, "pending_migrations": pending},
    )
    return release


@transaction.atomic
def release_finish(*, release: Release, actor: Actor, error: str = "") -> Release:
    """Close a started release: migrated when none of its pending migrations is still pending, else failed."""
    release = Release.objects.select_for_update().get(pk=release.pk)
    if release.status != ReleaseStatus.STARTED:
        return release
    _, pending = migration_state()
    still_pending = [name for name in release.pending_migrations if name in pending]
    if error or still_pending:
        release.status = ReleaseStatus.FAILED
        release.detail = error or f"still pending: {', '.join(still_pending)}"
    else:
        release.status = ReleaseStatus.MIGRATED
    release.finished_at = timezone.now()
    release.save(update_fields=["status", "detail", "finished_at"])
    audit_record(
        actor=actor, action=f"integration.release_{release.status}", target=release, changes={"detail": release.detail}
    )
    return release


def release_reconcile(*, now=None) -> int:
    """Close releases left started (a Job that ran `migrate` itself, or died): migrated once their migrations
    are applied, failed after RELEASE_MIGRATION_TIMEOUT_SECONDS. Returns how many were closed."""
    now = now or timezone.now()
    timeout = timedelta(seconds=settings.RELEASE_MIGRATION_TIMEOUT_SECONDS)
    _, pending = migration_state()
    closed = 0
    for release in Release.objects.filter(status=ReleaseStatus.STARTED).order_by("started_at"):
        if any(name in pending for name in release.pending_migrations) and release.started_at > now - timeout:
            continue  # still running
        release_finish(release=release, actor=Actor.system("release reconcile"))
        closed += 1
    return closed
