"""Reads of the deployment area."""

from apps.integration.models.deployment import DeploymentEnvironment


def deployment_environment_get(*, name: str) -> DeploymentEnvironment | None:
    return DeploymentEnvironment.objects.filter(name=name).first()
