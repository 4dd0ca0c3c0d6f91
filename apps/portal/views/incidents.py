"""Incidents in the portal: the list (filters, pages), the board (columns by status), one incident with its
timeline, playbook progress, evidence and custody, clocks and notifications, and the fragments the live view
fetches again when the websocket says an incident changed (apps/portal/incidents_live.py).

The writes are apps/portal/views/incidents_actions.py; the review and metrics pages incidents_review.py.
Every page needs a verified second factor and a portal role that reads incidents (`portal_view`)."""

from django.db.models import Count, F, Prefetch, Window
from django.db.models.functions import RowNumber
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from apps.core.portal import portal_user_may
from apps.incidents.choices import IncidentKind, IncidentSeverity, IncidentStatus
from apps.incidents.models import CustodyEvent, Evidence, Incident, Review
from apps.incidents.services.escalation import incident_deliveries
from apps.portal.access import ANALYST, OFFICER, portal_view
from apps.portal.incidents_live import incident_group, incidents_group
from apps.portal.shell import paginate, render_portal
from apps.portal.views import incidents_forms as f

ROLES = (OFFICER, ANALYST)
BOARD_COLUMNS = [
    IncidentStatus.NEW,
    IncidentStatus.REOPENED,
    IncidentStatus.TRIAGED,
    IncidentStatus.CONTAINED,
    IncidentStatus.ERADICATED,
    IncidentStatus.RECOVERED,
    IncidentStatus.CLOSED,
]
BOARD_CARDS = 25  # per column; the list pages through all of them
TIMELINE_LIMIT = 500


def incident_filters(request: HttpRequest) -> dict:
    chosen = {
        "status": request.GET.get("status", ""),
        "severity": request.GET.get("severity", ""),
        "kind": request.GET.get("kind", ""),
    }
    valid = {"status": IncidentStatus.values, "severity": IncidentSeverity.values, "kind": IncidentKind.values}
    return {name: value for name, value in chosen.items() if value in valid[name]}


def incident_rows(filters: dict):
    return Incident.objects.select_related("owner").filter(**filters).order_by("-id")


def _filter_context(request: HttpRequest, filters: dict) -> dict:
    return {
        "filters": filters,
        "statuses": IncidentStatus.choices,
        "severities": IncidentSeverity.choices,
        "kinds": IncidentKind.choices,
        "ws_path": "/ws/portal/incidents/",
        "fragment_url": f"{request.path}?{request.GET.urlencode()}",
        "live_group": incidents_group(),
    }


@never_cache
@require_safe
@portal_view(*ROLES)
def incidents(request: HttpRequest) -> HttpResponse:
    filters = incident_filters(request)
    context = {"page": paginate(request, incident_rows(filters)), **_filter_context(request, filters)}
    return render_portal(request, "portal/incidents/list.html", context)


def board_columns(filters: dict) -> list[dict]:
    """Each status with its count and its newest BOARD_CARDS incidents: two queries, whatever the number."""
    base = Incident.objects.filter(**{k: v for k, v in filters.items() if k != "status"})
    counts = dict(base.values_list("status").annotate(n=Count("id")).order_by())
    ranked = (
        base.select_related("owner")
        .annotate(rank=Window(RowNumber(), partition_by=[F("status")], order_by=F("id").desc()))
        .filter(rank__lte=BOARD_CARDS)
        .order_by("-id")
    )
    cards: dict[str, list[Incident]] = {}
    for incident in ranked:
        cards.setdefault(incident.status, []).append(incident)
    shown = [filters["status"]] if "status" in filters else BOARD_COLUMNS
    return [
        {
            "status": status,
            "label": IncidentStatus(status).label,
            "count": counts.get(status, 0),
            "cards": cards.get(status, []),
        }
        for status in shown
    ]


@never_cache
@require_safe
@portal_view(*ROLES)
def incident_board(request: HttpRequest) -> HttpResponse:
    filters = incident_filters(request)
    context = {"columns": board_columns(filters), "board_cards": BOARD_CARDS, **_filter_context(request, filters)}
    return render_portal(request, "portal/incidents/board.html", context)


def incident_for_page(incident_id: int) -> Incident:
    incident = (
        Incident.objects.select_related("owner", "acknowledged_by", "escalation_policy").filter(pk=incident_id).first()
    )
    if incident is None:
        raise Http404("No such incident.")
    return incident


def incident_context(request: HttpRequest, incident: Incident, forms: dict | None = None) -> dict:
    """Everything the incident page (and its live fragment) shows, in a fixed number of queries."""
    user = request.user
    evidence = Evidence.objects.filter(incident=incident).prefetch_related(
        Prefetch("custody", queryset=CustodyEvent.objects.order_by("sequence"))
    )
    timeline = list(incident.timeline.order_by("-occurred_at", "-id")[:TIMELINE_LIMIT])
    forms = forms or {}
    return {
        "incident": incident,
        "timeline": timeline,
        "steps": list(incident.step_runs.select_related("step").order_by("position")),
        "evidence": list(evidence.order_by("id")),
        "clocks": list(incident.clocks.order_by("due_at")),
        "deliveries": incident_deliveries(incident=incident),
        "review": Review.objects.filter(incident=incident).first(),
        "levels": incident.escalation_levels or [],
        "statuses": IncidentStatus.choices,
        "may_respond": portal_user_may(user, "incidents.respond"),
        "may_step": portal_user_may(user, "incidents.step"),
        "may_add_evidence": portal_user_may(user, "incidents.evidence_add"),
        "may_access_evidence": portal_user_may(user, "incidents.evidence_access"),
        "may_clock": portal_user_may(user, "incidents.clock"),
        "transition_form": forms.get("transition") or f.TransitionForm(),
        "note_form": forms.get("note") or f.NoteForm(),
        "upload_form": forms.get("upload") or f.EvidenceUploadForm(),
        "access_form": forms.get("access") or f.EvidenceAccessForm(),
        "clock_form": forms.get("clock") or f.ClockNoticeForm(),
        "form_error_target": forms.get("target", ""),
        "ws_path": f"/ws/portal/incidents/{incident.pk}/",
        "fragment_url": reverse("portal:incident_live", kwargs={"incident_id": incident.pk}),
        "live_group": incident_group(incident.pk),
    }


def render_incident(request: HttpRequest, incident: Incident, forms: dict | None = None, status: int = 200):
    return render_portal(request, "portal/incidents/detail.html", incident_context(request, incident, forms), status)


@never_cache
@require_safe
@portal_view(*ROLES)
def incident_detail(request: HttpRequest, incident_id: int) -> HttpResponse:
    return render_incident(request, incident_for_page(incident_id))


@never_cache
@require_safe
@portal_view(*ROLES)
def incident_live(request: HttpRequest, incident_id: int) -> HttpResponse:
    """The parts of the incident page that change (the page swaps them in by their data-part)."""
    incident = incident_for_page(incident_id)
    return render_portal(request, "portal/incidents/_live.html", incident_context(request, incident))
