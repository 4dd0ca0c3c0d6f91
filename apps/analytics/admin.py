"""The analytics app's admin pages, one module per part (each registers its own models)."""

from apps.analytics import admin_alerting  # noqa: F401 - alert rules and silences
