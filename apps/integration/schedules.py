"""Periodic jobs of the integration app (synced into django-celery-beat by apps/core/beat.py): each area
declares its own, joined here."""

from apps.integration.api.schedules import SCHEDULES as API_MANAGEMENT
from apps.integration.deployment.schedules import SCHEDULES as DEPLOYMENT
from apps.integration.discord.schedules import SCHEDULES as DISCORD
from apps.integration.feeds.schedules import SCHEDULES as FEEDS
from apps.integration.registry.schedules import SCHEDULES as REGISTRY
from apps.integration.upstreams.schedules import SCHEDULES as UPSTREAMS
from apps.integration.webhooks.schedules import SCHEDULES as WEBHOOKS

SCHEDULES = [*WEBHOOKS, *DISCORD, *FEEDS, *REGISTRY, *UPSTREAMS, *API_MANAGEMENT, *DEPLOYMENT]
