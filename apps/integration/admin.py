"""The integration app's admin pages: each area registers its models in its own `admin.py`, imported here
(Django imports `<app>.admin`)."""

from apps.integration.deployment import admin as deployment_admin  # noqa: F401
from apps.integration.feeds import admin as feeds_admin  # noqa: F401
from apps.integration.registry import admin as registry_admin  # noqa: F401
