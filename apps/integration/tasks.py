"""Celery finds tasks in `<app>.tasks`: the integration app's live in its areas' modules, imported here.
Task names stay the areas' own (`apps.integration.<area>.tasks.<name>`)."""

from apps.integration.api.tasks import *  # noqa: F403
from apps.integration.deployment.tasks import *  # noqa: F403
from apps.integration.discord.tasks import *  # noqa: F403
from apps.integration.feeds.tasks import *  # noqa: F403
from apps.integration.registry.tasks import *  # noqa: F403
from apps.integration.upstreams.tasks import *  # noqa: F403
from apps.integration.webhooks.tasks import *  # noqa: F403
