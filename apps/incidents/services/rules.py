"""Opening incidents by rule: a new security alert, a new fraud case or a newly failing compliance check is
matched against the active IncidentRule rows (data, edited in the admin), in their order; the first match
opens an incident of its kind and severity, or joins the open one of the same correlation key.

Correlation keys (what "the same" means for deduplication):
  security alert:  "security_alert:<detection rule slug>:<alert group key>"  (the account, address, key … the
                   detection is about: a second brute force on the same account joins the first's incident)
  fraud case:      "fraud_case:<fraud kind>:<member key>"                    (the same cappers, the same scheme)
  failing check:   "check_failed:<check id>"
An open incident with the same key, created within the rule's dedup_window_minutes, gets the new alert, case or
run linked and a "joined" timeline line instead of a new incident. Each function is idempotent: a row already
linked to an incident returns that incident and changes nothing (a task run twice opens one incident).

A fraud case has a score, not a severity: 0.9 and above is critical, 0.75 high, 0.5 medium, below that low.
"""

from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from apps.audit.services import audit_record
from apps.compliance.choices import CheckStatus
from apps.compliance.models import CheckRun
from apps.core.actors import Actor
from apps.fraud.models import FraudCase
from apps.incidents.choices import OPEN_STATUSES, SEVERITY_RANK, IncidentSeverity, RuleSource, TimelineKind
from apps.incidents.models import Incident, IncidentRule
from apps.incidents.services.incidents import incident_declare
from apps.incidents.services.links import incident_links_add, link_rows
from apps.incidents.services.timeline import timeline_add
from apps.incidents.signals import incident_updated
from apps.security.models import Alert

# fraud score -> severity, highest first
FRAUD_SEVERITY_FLOORS = (
    (0.9, IncidentSeverity.CRITICAL),
    (0.75, IncidentSeverity.HIGH),
    (0.5, IncidentSeverity.MEDIUM),
    (0.0, IncidentSeverity.LOW),
)


def fraud_case_severity(score: float) -> str:
    """The incident severity of a fraud case's score."""
    return next(severity for floor, severity in FRAUD_SEVERITY_FLOORS if score >= floor)


def rule_matching(*, source: str, severity: str, slug: str = "", fraud_kind: str = "", check_id: str = ""):
    """The first active rule (by position) for the source whose lists name the slug, kind or check (an empty
    list: any) and whose minimum severity the source's severity reaches."""
    rank = SEVERITY_RANK.get(severity, 0)
    for rule in IncidentRule.objects.filter(is_active=True, source=source).select_related("escalation_policy"):
        if rule.alert_rule_slugs and slug not in rule.alert_rule_slugs:
            continue
        if rule.fraud_kinds and fraud_kind not in rule.fraud_kinds:
            continue
        if rule.check_ids and check_id not in rule.check_ids:
            continue
        if rank < SEVERITY_RANK.get(rule.min_severity, 0):
            continue
        return rule
    return None


def rule_may_match(*, source: str, slug: str = "", fraud_kind: str = "", check_id: str = "") -> bool:
    """Whether an active rule of the source names the slug, kind or check (or any): one indexed query, so a
    receiver enqueues work only for what some rule may open an incident for."""
    field, value = {
        RuleSource.SECURITY_ALERT: ("alert_rule_slugs", slug),
        RuleSource.FRAUD_CASE: ("fraud_kinds", fraud_kind),
        RuleSource.CHECK_FAILED: ("check_ids", check_id),
    }[source]
    rules = IncidentRule.objects.filter(is_active=True, source=source)
    if not connection.features.supports_json_field_contains:
        # SQLite (the embedded configuration) has no JSON containment: the few active rules are read and matched
        return any(not names or value in names for names in rules.values_list(field, flat=True))
    named = Q(**{f"{field}__contains": [value]}) | Q(**{field: []})
    return rules.filter(named).exists()


def _lock_key(correlation_key: str) -> None:
    # two alerts of one key handled at once must not open two incidents: serialize per key
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"incidents.rule:{correlation_key}"]
            )


def _rule_actor(rule: IncidentRule) -> Actor:
    return Actor.system(f"incident rule {rule.name}"[:150])


def _join(*, incident: Incident, rule: IncidentRule, what: str, links: dict[str, list[Any]]) -> Incident:
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    actor = _rule_actor(rule)
    added = incident_links_add(incident=incident, rows=link_rows(**links))
    if not added:
        return incident  # a duplicate task, after the first linked it under the same lock: nothing to add
    changes = {name: {"before": None, "after": ids} for name, ids in added.items()}
    audit_record(actor=actor, action="incidents.linked", target=incident, guild_id=incident.guild_id, changes=changes)
    timeline_add(
        incident=incident,
        kind=TimelineKind.JOINED,
        actor=actor,
        message=f"{what} joined (same correlation key {incident.correlation_key})",
        data={"rule": rule.pk, **added},
    )
    incident_updated.send(sender=Incident, incident=incident, actor=actor, changes=changes)
    return incident


def _open_or_join(
    *,
    rule: IncidentRule,
    correlation_key: str,
    what: str,
    title: str,
    severity: str,
    guild_id: str,
    links: dict[str, list[Any]],
    now: datetime | None = None,
) -> Incident:
    now = now or timezone.now()
    _lock_key(correlation_key)
    open_incident = (
        Incident.objects.filter(
            correlation_key=correlation_key,
            status__in=OPEN_STATUSES,
            created_at__gte=now - timedelta(minutes=rule.dedup_window_minutes),
        )
        .order_by("-id")
        .first()
    )
    if open_incident is not None:
        return _join(incident=open_incident, rule=rule, what=what, links=links)
    return incident_declare(
        actor=_rule_actor(rule),
        title=title,
        kind=rule.incident_kind,
        severity=rule.incident_severity or severity,
        guild_id=guild_id,
        rule=rule,
        correlation_key=correlation_key,
        now=now,
        **links,
    )


def _open_for(source_row, *, source: str, match: dict[str, Any], **opening: Any) -> Incident | None:
    """The incident `source_row` (an alert, a fraud case, a check run) is linked to already, else the one the
    first rule of `source` matching it (by severity and `match`) opens or joins; None if no rule matches."""
    linked = source_row.incidents.first()
    if linked is not None:
        return linked
    rule = rule_matching(source=source, severity=opening["severity"], **match)
    if rule is None:
        return None
    return _open_or_join(rule=rule, **opening)


@transaction.atomic
def incident_open_for_alert(*, alert: Alert) -> Incident | None:
    """Open (or join) the incident a new security alert calls for by the first matching rule; None if no
    rule matches."""
    slug = alert.rule.slug
    return _open_for(
        alert,
        source=RuleSource.SECURITY_ALERT,
        match={"slug": slug},
        correlation_key=f"{RuleSource.SECURITY_ALERT}:{slug}:{alert.group_key}",
        what=f"Security alert {alert.pk}",
        title=alert.title,
        severity=alert.severity,
        guild_id=alert.guild_id,
        links={"security_alerts": [alert]},
    )


@transaction.atomic
def incident_open_for_fraud_case(*, case: FraudCase, guild_id: str = "") -> Incident | None:
    """Open (or join) the incident a new fraud case calls for by the first matching rule; None if no rule
    matches."""
    return _open_for(
        case,
        source=RuleSource.FRAUD_CASE,
        match={"fraud_kind": case.kind},
        correlation_key=f"{RuleSource.FRAUD_CASE}:{case.kind}:{case.member_key}"[:200],
        what=f"Fraud case {case.pk}",
        title=f"{case.get_kind_display()}: fraud case {case.pk}",
        severity=fraud_case_severity(case.score),
        guild_id=guild_id,
        links={"fraud_cases": [case]},
    )


@transaction.atomic
def incident_open_for_check_run(*, run: CheckRun) -> Incident | None:
    """Open (or join) the incident a failing compliance check run calls for by the first matching rule; None
    if the run did not fail or no rule matches."""
    if run.status != CheckStatus.FAIL:
        return None
    return _open_for(
        run,
        source=RuleSource.CHECK_FAILED,
        match={"check_id": run.check_id},
        correlation_key=f"{RuleSource.CHECK_FAILED}:{run.check_id}",
        what=f"Check run {run.pk}",
        title=f"Compliance check failed: {run.check_id}: {run.summary}"[:200],
        severity=run.severity,
        guild_id="",
        links={"check_runs": [run]},
    )
