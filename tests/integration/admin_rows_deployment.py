"""Seed rows of the deployment admin pages (called by tests/admin/conftest.py:_seed)."""

from django.utils import timezone

from apps.core.actors import Actor
from apps.integration.deployment.services import deployment_environment_save
from apps.integration.models.deployment import DeploymentEnvironment, Release, ReleaseStatus


def deployment_admin_rows(*, actor: Actor, rows: int) -> None:
    """Environments besides the seeded two (through the service), each with a release."""
    template = DeploymentEnvironment.objects.get(name="staging")
    for number in range(rows):
        environment = deployment_environment_save(
            environment=DeploymentEnvironment(
                name=f"preview-{number:02}",
                namespace=f"dbsbm-preview-{number:02}",
                image=template.image,
                hosts=[f"preview-{number:02}.portal.example.com"],
                secret_names=["dbsbm-env"],
                worker_groups=template.worker_groups,
            ),
            actor=actor,
        )
        Release.objects.create(
            environment=environment,
            version=f"2026.12.{number}",
            git_commit=f"{number:040x}",
            started_by="ci",
            started_at=timezone.now(),
            status=ReleaseStatus.MIGRATED,
            applied_migration_count=200,
            pending_migrations=[],
            finished_at=timezone.now(),
        )
