"""Reactions to other apps' domain signals (bet placed, settled, game final, ...): each area's receivers
live in its own module and are connected here by import."""

from apps.integration.registry import receivers as registry_receivers  # noqa: F401
