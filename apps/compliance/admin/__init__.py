"""Compliance admin, one module per sub-domain; each helper's module is imported here."""

from apps.compliance.admin import catalogue, checks  # noqa: F401
from apps.compliance.admin import alerts, reports, workflows  # noqa: F401 - reports, alerts, workflows
