"""Every read of incidents: the list (API, portal, board), one incident, its timeline. The list's query count
does not grow with the number of incidents: owners and policies are joined, the rest prefetched."""

from django.db.models import Case, Prefetch, QuerySet, When
from django.utils.translation import gettext as _

from apps.audit.models import AuditEvent
from apps.compliance.models import CheckRun
from apps.core.errors import NotFoundError
from apps.fraud.models import FraudCase
from apps.incidents.choices import SEVERITY_RANK, IncidentStatus
from apps.incidents.models import Incident, RegulatoryClock, TimelineEntry
from apps.incidents.selectors_metrics import incident_metrics

__all__ = ["incident_get", "incident_list", "incident_metrics", "incident_open", "incident_timeline"]
from apps.security.models import Alert


def incident_list(
    *,
    status: str | None = None,
    severity: str | None = None,
    kind: str | None = None,
    guild_id: str | None = None,
) -> QuerySet[Incident]:
    """Incidents, newest first, with owner, assignees, clocks and the ids of their links."""
    incidents = Incident.objects.select_related("owner", "escalation_policy", "acknowledged_by").prefetch_related(
        "assignees",
        Prefetch("clocks", queryset=RegulatoryClock.objects.order_by("due_at", "id")),
        Prefetch("security_alerts", queryset=Alert.objects.only("id")),
        Prefetch("fraud_cases", queryset=FraudCase.objects.only("id")),
        Prefetch("check_runs", queryset=CheckRun.objects.only("id")),
        Prefetch("audit_events", queryset=AuditEvent.objects.only("id")),
    )
    filters = {"status": status, "severity": severity, "kind": kind, "guild_id": guild_id}
    return incidents.filter(**{name: value for name, value in filters.items() if value}).order_by("-id")


def incident_get(*, incident_id: int) -> Incident:
    """One incident with what the list has, or NotFoundError (404)."""
    incident = incident_list().filter(pk=incident_id).first()
    if incident is None:
        raise NotFoundError(_("No incident %(id)s.") % {"id": incident_id}, code="incident_not_found")
    return incident


def incident_timeline(*, incident: Incident) -> QuerySet[TimelineEntry]:
    """The incident's timeline, oldest first."""
    return TimelineEntry.objects.filter(incident=incident).order_by("occurred_at", "id")


def incident_open() -> QuerySet[Incident]:
    """Incidents not closed yet, the most severe and newest first (the dashboard's widget)."""
    severity_rank = Case(*(When(severity=name, then=rank) for name, rank in SEVERITY_RANK.items()), default=0)
    return (
        Incident.objects.exclude(status=IncidentStatus.CLOSED)
        .annotate(severity_rank=severity_rank)
        .order_by("-severity_rank", "-pk")
    )
