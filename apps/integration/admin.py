"""The integration app's admin: each area registers its models in its own `admin.py`, imported here."""

from apps.integration.feeds import admin as feeds_admin  # noqa: F401
