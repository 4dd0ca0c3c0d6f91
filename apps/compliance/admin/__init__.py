"""Compliance admin, one module per sub-domain; each helper's module is imported here."""

from apps.compliance.admin import (  # noqa: F401  # noqa: F401 - reports, alerts, workflows
    alerts,
    catalogue,
    checks,
    reports,
    workflows,
)
