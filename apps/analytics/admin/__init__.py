"""The analytics app's admin, one module per part (each registers its models)."""

from apps.analytics.admin import alerting, reports  # noqa: F401 - registers the alerting and BI report admins
