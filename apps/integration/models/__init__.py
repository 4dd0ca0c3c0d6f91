"""The integration app's models, one module per area (webhooks, feeds, registry, usage, deployment)."""

from apps.integration.models.deployment import *  # noqa: F403
