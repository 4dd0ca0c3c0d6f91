from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The append-only, hash-chained audit trail and its verification."""

    name = "apps.audit"
    label = "audit"

    def ready(self) -> None:
        from apps.audit import receivers  # noqa: F401 - key ring changes go into the trail
