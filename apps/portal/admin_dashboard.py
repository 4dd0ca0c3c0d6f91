"""The admin's landing page (settings UNFOLD["DASHBOARD_CALLBACK"]): the figures staff check first.

Each figure is one cheap query through the owning app's public selectors (the cache hit ratio reads
Redis, not the database), links to the admin list that explains it, and is shown only to a user who
may view that list. Lives in the portal app, the top layer, which may read every domain app.
"""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.betting.selectors import pending_past_game_end
from apps.compliance.selectors import failing_checks
from apps.core.cache.stats import namespace_statistics
from apps.core.outbox import outbox_backlog_count
from apps.fraud.choices import OPEN_CASE_STATUSES
from apps.fraud.selectors import fraud_case_list
from apps.incidents.choices import OPEN_STATUSES, IncidentSeverity
from apps.incidents.selectors import incident_list
from apps.privacy.selectors.requests import open_requests, requests_due_soon
from apps.security.choices import AlertStatus
from apps.security.selectors import alert_list

OPEN_ALERT_STATUSES = (AlertStatus.NEW, AlertStatus.ACKNOWLEDGED)
# the worst severity first: the order of the incident breakdown
SEVERITIES = [IncidentSeverity.CRITICAL, IncidentSeverity.HIGH, IncidentSeverity.MEDIUM, IncidentSeverity.LOW]


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    value: str
    detail: str
    link: str
    attention: bool  # not zero: something waits for staff (shown with a word, not only a colour)


def _changelist(model: str, query: str = "") -> str:
    app_label, model_name = model.split(".")
    url = reverse(f"admin:{app_label}_{model_name}_changelist")
    return f"{url}?{query}" if query else url


def _pending_bets() -> Figure:
    count = pending_past_game_end().count()
    link = reverse("admin:betting_bet_pending_past_game_end")
    detail = _("open bets on a final game that grading has not settled")
    return Figure("pending_bets", _("Pending bets past game end"), str(count), detail, link, count > 0)


def _fraud_cases() -> Figure:
    count = fraud_case_list().filter(status__in=OPEN_CASE_STATUSES).count()
    link = _changelist("fraud.fraudcase")
    return Figure("fraud_cases", _("Open fraud cases"), str(count), _("new or investigating"), link, count > 0)


def _security_alerts() -> Figure:
    count = alert_list().filter(status__in=OPEN_ALERT_STATUSES).count()
    link = _changelist("security.alert")
    return Figure("security_alerts", _("Open security alerts"), str(count), _("new or acknowledged"), link, count > 0)


def _incidents() -> Figure:
    rows = (
        incident_list(status=None)
        .filter(status__in=OPEN_STATUSES)
        .order_by()
        .values("severity")
        .annotate(total=Count("id"))
    )
    by_severity = {row["severity"]: row["total"] for row in rows}
    total = sum(by_severity.values())
    detail = ", ".join(f"{by_severity.get(severity, 0)} {severity.label.lower()}" for severity in SEVERITIES)
    attention = by_severity.get(IncidentSeverity.CRITICAL, 0) + by_severity.get(IncidentSeverity.HIGH, 0) > 0
    return Figure("incidents", _("Open incidents"), str(total), detail, _changelist("incidents.incident"), attention)


def _subject_requests() -> Figure:
    now = timezone.now()
    soon = requests_due_soon(now=now)
    counts = open_requests().aggregate(
        overdue=Count("pk", filter=Q(due_at__lt=now)),
        due_soon=Count("pk", filter=Q(pk__in=soon.values("pk"))),
    )
    detail = _("%(overdue)d overdue") % {"overdue": counts["overdue"]}
    value = str(counts["due_soon"])
    link = _changelist("privacy.datasubjectrequest")
    return Figure("subject_requests", _("Data subject requests due soon"), value, detail, link, any(counts.values()))


def _failing_checks() -> Figure:
    count = len(failing_checks())
    link = _changelist("compliance.checkrun", "status__in=fail,error")
    detail = _("latest run failed or errored")
    return Figure("failing_checks", _("Failing compliance checks"), str(count), detail, link, count > 0)


def _outbox_backlog() -> Figure:
    count = outbox_backlog_count()
    link = _changelist("core.outboxmessage", "completed_at__isnull=True")
    detail = _("tasks due and not yet handed to the broker")
    return Figure("outbox_backlog", _("Task outbox backlog"), str(count), detail, link, count > 0)


def _cache_hit_ratio() -> Figure:
    hits = reads = 0
    for row in namespace_statistics():
        hits += row["hit"]
        reads += row["hit"] + row["miss"] + row["stale"] + row["refresh"]
    value = f"{hits / reads:.0%}" if reads else "—"
    detail = _("%(reads)d reads across namespaces") % {"reads": reads}
    return Figure("cache_hit_ratio", _("Cache hit ratio"), value, detail, reverse("admin-cache-stats"), False)


# (builder, the permission that shows it): a figure is seen by whoever may open the list it links to
FIGURES = [
    (_pending_bets, "betting.view_bet"),
    (_fraud_cases, "fraud.view_fraudcase"),
    (_security_alerts, "security.view_alert"),
    (_incidents, "incidents.view_incident"),
    (_subject_requests, "privacy.view_datasubjectrequest"),
    (_failing_checks, "compliance.view_checkrun"),
    (_outbox_backlog, "core.view_outboxmessage"),
    (_cache_hit_ratio, None),
]


def dashboard_figures(request: HttpRequest) -> list[Figure]:
    user = request.user
    return [build() for build, permission in FIGURES if permission is None or user.has_perm(permission)]


def dashboard_callback(request: HttpRequest, context: dict) -> dict:
    """Unfold's dashboard hook: adds the figures to the admin index's context."""
    context["dashboard_figures"] = dashboard_figures(request)
    return context
