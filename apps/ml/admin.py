"""The ml app's admin pages, one module per area (one import line per area)."""

from apps.ml.registry import admin as registry_admin  # noqa: F401 - the registry (mlreg)
