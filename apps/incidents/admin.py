"""Admin pages of incident response."""

from apps.incidents import admin_policies  # noqa: F401 - escalation policies and levels (part B)
