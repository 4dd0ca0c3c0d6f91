from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The append-only, hash-chained audit trail and its verification."""

    name = "apps.audit"
    label = "audit"
