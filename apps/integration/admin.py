"""The integration app's admin pages, one module per area (Django imports `<app>.admin`)."""

from apps.integration.deployment import admin as deployment_admin  # noqa: F401
