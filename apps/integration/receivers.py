"""Reactions to other apps' domain signals (bet placed, settled, game final, ...): each area's receivers
live in its own module and are connected here by import."""

from apps.integration.api import cors  # noqa: E402, F401  (django-cors-headers asks it: per-tenant origins)
