"""The integration app's models, one module per area (webhooks, feeds, registry, usage, deployment)."""

from apps.integration.models.deployment import DeploymentEnvironment, Release, ReleaseStatus  # noqa: F401
from apps.integration.models.feeds import FeedRunStatus, FeedSource, FeedSyncRun  # noqa: F401
from apps.integration.models.registry import (  # noqa: F401
    CheckResult,
    CheckTransition,
    HealthCheck,
    Service,
    ServiceInstance,
)
from apps.integration.models.usage import ApiUsageDay  # noqa: F401
