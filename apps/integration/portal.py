"""The integration app's part of the staff portal (registry: apps/core/portal.py; views in
apps/portal/views/integration_*.py): each area registers its pages in its own `portal.py`, imported here."""

from apps.integration.api import portal as api_portal  # noqa: F401
from apps.integration.registry import portal as registry_portal  # noqa: F401
