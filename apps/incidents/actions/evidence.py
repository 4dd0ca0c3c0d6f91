"""The playbook action collect_evidence: a sealed snapshot of what the incident is about.

The snapshot holds, each bounded by INCIDENT_SNAPSHOT_MAX_ROWS (newest first, and it says when it was cut):
the audit events linked to the incident or recorded about it, the security events of its linked alerts,
and the bets of its linked fraud cases' cappers (or, when it names no capper, the bets of its guild placed
since a day before it was detected). It is sealed (apps/incidents/sealing.py: an Ed25519 signature over its
SHA-256) and kept as evidence of kind "snapshot", whose custody starts there.

Idempotent: the evidence names the step run in its collection method, so a second run of the same step run
(a retry, a resumed worker) finds it and reports it again.
"""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.betting.models import Bet
from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.incidents.actions.base import ActionFailedError, ActionOutcome, register_action
from apps.incidents.choices import EvidenceKind, StepAction
from apps.incidents.models import Evidence, Incident, StepRun
from apps.incidents.sealing import seal_snapshot
from apps.incidents.services.evidence import evidence_add
from apps.security.models import SecurityEvent

GUILD_BETS_LOOKBACK = timedelta(days=1)


def _bounded(queryset, fields: list[str]) -> tuple[list[dict[str, Any]], bool]:
    limit = settings.INCIDENT_SNAPSHOT_MAX_ROWS
    rows = list(queryset.values(*fields)[: limit + 1])
    return rows[:limit], len(rows) > limit


def _audit_events(incident: Incident):
    about = Q(target_type=Incident._meta.label_lower, target_id=str(incident.pk))
    linked = Q(pk__in=incident.audit_events.values("pk"))
    fields = ["id", "occurred_at", "actor_kind", "actor_identifier", "actor_label", "guild_id", "action"]
    fields += ["target_type", "target_id", "target_label", "changes", "reason", "request_id", "content_hash"]
    return _bounded(AuditEvent.objects.filter(about | linked).order_by("-occurred_at", "-id"), fields)


def _security_events(incident: Incident):
    events = SecurityEvent.objects.filter(alerts__incidents=incident).distinct().order_by("-occurred_at", "-id")
    fields = ["id", "occurred_at", "event_type", "actor_kind", "actor_identifier", "actor_label", "guild_id"]
    fields += ["user_agent", "request_id", "details", "risk_score"]
    rows, truncated = _bounded(events, fields)
    addresses = dict(SecurityEvent.objects.filter(pk__in=[row["id"] for row in rows]).values_list("pk", "ip_address"))
    for row in rows:
        row["ip_address"] = str(addresses.get(row["id"]) or "") or None
    return rows, truncated


def _bets(incident: Incident):
    bets = Bet.objects.filter(capper__fraud_cases__incidents=incident)
    basis = "the bets of the linked fraud cases' cappers"
    if not bets.exists():
        since = incident.detected_at - GUILD_BETS_LOOKBACK
        bets = (
            Bet.objects.filter(tenant__guild_id=incident.guild_id, placed_at__gte=since) if incident.guild_id else None
        )
        basis = f"the guild's bets placed since {since.isoformat()}" if bets is not None else "no capper or guild named"
    if bets is None:
        return [], False, basis
    fields = ["id", "tenant__guild_id", "capper_id", "external_id", "stake_units", "status", "leg_count"]
    fields += ["american_odds", "decimal_odds", "net_units", "placed_at", "received_at", "settled_at"]
    rows, truncated = _bounded(bets.distinct().order_by("-placed_at", "-id"), fields)
    return rows, truncated, basis


def incident_snapshot(incident: Incident, *, taken_at) -> dict[str, Any]:
    """The snapshot's content (JSON-ready apart from dates and decimals, which the seal encodes)."""
    audit_rows, audit_cut = _audit_events(incident)
    security_rows, security_cut = _security_events(incident)
    bet_rows, bets_cut, bets_basis = _bets(incident)
    return {
        "incident": {
            "id": incident.pk,
            "reference": incident.reference,
            "kind": incident.kind,
            "severity": incident.severity,
            "status": incident.status,
            "guild_id": incident.guild_id,
            "detected_at": incident.detected_at,
        },
        "taken_at": taken_at,
        "limit_per_section": settings.INCIDENT_SNAPSHOT_MAX_ROWS,
        "audit_events": {"rows": audit_rows, "truncated": audit_cut},
        "security_events": {"rows": security_rows, "truncated": security_cut},
        "bets": {"rows": bet_rows, "truncated": bets_cut, "basis": bets_basis},
    }


def _method(run: StepRun) -> str:
    return f"playbook step run {run.pk} (collect_evidence): sealed snapshot"


def _outcome(evidence: Evidence, *, again: bool) -> ActionOutcome:
    return ActionOutcome(
        result={
            "evidence_id": evidence.pk,
            "sha256": evidence.sha256,
            "size": evidence.size,
            "already_collected": again,
        }
    )


@register_action(StepAction.COLLECT_EVIDENCE)
def collect_evidence(run: StepRun, actor: Actor) -> ActionOutcome:
    """Take, seal and keep a snapshot of the incident's audit events, security events and bets (once per
    step run). Evidence is never undone: it is kept with its custody."""
    with transaction.atomic():
        run = StepRun.objects.select_for_update().select_related("incident").get(pk=run.pk)
        existing = Evidence.objects.filter(
            incident=run.incident, kind=EvidenceKind.SNAPSHOT, collection_method=_method(run)
        ).first()
        if existing is not None:
            return _outcome(existing, again=True)
        taken_at = timezone.now()
        content = seal_snapshot(incident_snapshot(run.incident, taken_at=taken_at), sealed_at=taken_at)
        try:
            evidence = _keep(run, content, taken_at, actor)
        except ApplicationError as error:  # e.g. larger than INCIDENT_EVIDENCE_MAX_BYTES: retrying won't help
            raise ActionFailedError(error.message) from error
    return _outcome(evidence, again=False)


def _keep(run: StepRun, content: bytes, taken_at, actor: Actor) -> Evidence:
    return evidence_add(
        incident=run.incident,
        actor=actor,
        kind=EvidenceKind.SNAPSHOT,
        title=f"Sealed snapshot of {run.incident.reference} ({taken_at:%Y-%m-%d %H:%M} UTC)",
        content=content,
        original_name=f"{run.incident.reference}-snapshot.json",
        content_type="application/json",
        method=_method(run),
        description="Audit events, security events and bets related to the incident, sealed (Ed25519).",
    )
