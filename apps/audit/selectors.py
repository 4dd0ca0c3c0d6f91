"""Reading the audit trail."""

from django.db.models import QuerySet

from apps.audit.models import AuditEvent


def audit_event_list(*, guild_id: str | None = None) -> QuerySet[AuditEvent]:
    """Events, newest first; one tenant's when `guild_id` is given, else the whole platform's."""
    events = AuditEvent.objects.all()
    return events if guild_id is None else events.filter(guild_id=guild_id)
