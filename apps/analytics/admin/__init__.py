"""The analytics app's admin, one module per part (each registers its models)."""

from apps.analytics.admin import reports  # noqa: F401 - registers the BI report admins
