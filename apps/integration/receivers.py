"""Reactions to other apps' domain signals (bet placed, settled, game final, ...): each area's receivers
live in its own module and are connected here by import."""

from apps.integration.api import cors  # noqa: F401  (django-cors-headers asks it: per-tenant origins)
from apps.integration.registry import receivers as registry_receivers  # noqa: F401
from apps.integration.webhooks import receivers as webhook_receivers  # noqa: F401
