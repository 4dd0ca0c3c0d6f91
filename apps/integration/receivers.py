"""Reactions to other apps' domain signals (bet placed, settled, game final, ...): each area's receivers
live in its own module and are connected here by import."""

from apps.integration.webhooks import receivers as webhook_receivers  # noqa: F401
