"""Record and settlement integrity checks: the audit chain, audited ledger writes, pending bets left
after their game, hand settlements that contradict final scores, and stakes outside guild limits."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import F, Q

from apps.audit.models import AuditEvent
from apps.audit.services import audit_chain_verify
from apps.betting.choices import OPEN_BET_STATUSES, GameStatus, LegResult
from apps.betting.models import Bet, BetLeg, LedgerEntry
from apps.compliance.checks.registry import CheckResult, register_check
from apps.compliance.choices import Severity

EVIDENCE_ID_LIMIT = 200
# the audit actions that write ledger entries, and so must exist for every entry
LEDGER_ACTIONS = ["betting.bet_settled", "betting.bet_voided", "betting.bet_corrected", "betting.legs_graded"]
GRADING_ACTION = "betting.game_graded"


@register_check(
    id="audit.chain_intact",
    title="The audit trail's hash chain verifies end to end",
    severity=Severity.CRITICAL,
    frequency_minutes=60,
    requirements=[
        "pci_dss:10.3.4",
        "soc2:CC7.2",
        "hipaa:164.312(b)",
        "hipaa:164.312(c)(1)",
        "iso27001:A.8.15",
        "nist_csf:PR.PS-04",
        "sox_itgc:OP-02",
        "gdpr:Art.5(2)",
        "betting_integrity:BI-1.2",
    ],
)
def audit_chain(now: datetime) -> CheckResult:
    outcome = audit_chain_verify()
    evidence = {
        "events_checked": outcome.checked,
        "sealed_now": outcome.sealed_now,
        "first_bad_event_id": outcome.first_bad_event_id,
        "problem": outcome.problem,
    }
    if not outcome.is_intact:
        return CheckResult.failed(f"audit chain broken: {outcome.problem}", **evidence)
    return CheckResult.passed(f"audit chain intact over {outcome.checked} events", **evidence)


@register_check(
    id="audit.ledger_writes_audited",
    title="Every ledger entry of the last day has its audit event",
    severity=Severity.HIGH,
    frequency_minutes=60,
    requirements=[
        "pci_dss:10.2.1",
        "soc2:CC7.2",
        "hipaa:164.312(b)",
        "sox_itgc:OP-02",
        "betting_integrity:BI-1.3",
        "betting_integrity:BI-5.1",
    ],
)
def ledger_writes_audited(now: datetime) -> CheckResult:
    hours = settings.COMPLIANCE_AUDITED_WRITES_LOOKBACK_HOURS
    since = now - timedelta(hours=hours)
    entries = list(LedgerEntry.objects.filter(created_at__gte=since).values_list("pk", "bet_id"))
    bet_ids = {bet_id for _, bet_id in entries}
    covered: set[int] = set()
    if bet_ids:
        # events a little older than the window still cover entries written in the same transaction
        events = AuditEvent.objects.filter(occurred_at__gte=since - timedelta(minutes=5))
        covered.update(
            int(target_id)
            for target_id in events.filter(action__in=LEDGER_ACTIONS, target_type="betting.bet")
            .filter(target_id__in=[str(bet_id) for bet_id in bet_ids])
            .values_list("target_id", flat=True)
        )
        for changes in events.filter(action=GRADING_ACTION).values_list("changes", flat=True):
            covered.update((changes.get("settled_bet_ids") or {}).get("after") or [])
    unaudited = sorted({(pk, bet_id) for pk, bet_id in entries if bet_id not in covered})
    evidence = {
        "lookback_hours": hours,
        "ledger_entries": len(entries),
        "unaudited_count": len(unaudited),
        "unaudited": [{"ledger_entry_id": pk, "bet_id": bet_id} for pk, bet_id in unaudited[:EVIDENCE_ID_LIMIT]],
    }
    if unaudited:
        return CheckResult.failed(f"{len(unaudited)} of {len(entries)} ledger entries have no audit event", **evidence)
    return CheckResult.passed(f"all {len(entries)} ledger entries of the last {hours} h are audited", **evidence)


@register_check(
    id="betting.pending_after_game",
    title="No bet stays pending 48 hours after its game ended",
    severity=Severity.MEDIUM,
    frequency_minutes=60,
    requirements=["betting_integrity:BI-2.1", "soc2:PI1.3", "sox_itgc:OP-01"],
)
def pending_after_game(now: datetime) -> CheckResult:
    grace = timedelta(hours=settings.COMPLIANCE_PENDING_BET_GRACE_HOURS)
    unfinished_end = timedelta(hours=settings.COMPLIANCE_GAME_MAX_DURATION_HOURS)
    ended_long_ago = Q(game__status=GameStatus.FINAL, game__finalized_at__lt=now - grace) | Q(
        ~Q(game__status=GameStatus.FINAL), game__starts_at__lt=now - grace - unfinished_end
    )
    legs = BetLeg.objects.filter(ended_long_ago, result=LegResult.PENDING, bet__status__in=list(OPEN_BET_STATUSES))
    bet_ids = sorted(set(legs.values_list("bet_id", flat=True)[:10_000]))
    evidence = {
        "grace_hours": settings.COMPLIANCE_PENDING_BET_GRACE_HOURS,
        "stale_bet_count": len(bet_ids),
        "bet_ids": bet_ids[:EVIDENCE_ID_LIMIT],
        "game_ids": sorted(set(legs.values_list("game_id", flat=True)[:EVIDENCE_ID_LIMIT])),
    }
    if bet_ids:
        return CheckResult.failed(
            f"{len(bet_ids)} bets pending {evidence['grace_hours']} h after their game", **evidence
        )
    return CheckResult.passed("no bet is pending long after its game ended", **evidence)


@register_check(
    id="betting.contradicted_settlements_reviewed",
    title="Hand settlements contradicting final scores are reviewed",
    severity=Severity.HIGH,
    frequency_minutes=60,
    requirements=["betting_integrity:BI-2.2", "betting_integrity:BI-5.1", "sox_itgc:OP-03", "soc2:PI1.4"],
)
def contradicted_settlements(now: datetime) -> CheckResult:
    sla = settings.COMPLIANCE_SETTLEMENT_REVIEW_SLA_HOURS
    flagged = Bet.objects.filter(needs_review=True)
    overdue = list(
        flagged.filter(updated_at__lt=now - timedelta(hours=sla)).order_by("pk").values_list("pk", "tenant_id")
    )
    evidence = {
        "review_sla_hours": sla,
        "flagged_for_review": flagged.count(),
        "unreviewed_past_sla": len(overdue),
        "bets": [{"bet_id": pk, "tenant_id": tenant_id} for pk, tenant_id in overdue[:EVIDENCE_ID_LIMIT]],
    }
    if overdue:
        return CheckResult.failed(f"{len(overdue)} contradicted hand settlements unreviewed past {sla} h", **evidence)
    return CheckResult.passed(
        f"{evidence['flagged_for_review']} flagged settlements, none past the review SLA", **evidence
    )


@register_check(
    id="betting.stake_limits",
    title="Stakes stay within each guild's unit limits and placement is rate-limited",
    severity=Severity.MEDIUM,
    frequency_minutes=6 * 60,
    requirements=["betting_integrity:BI-4.1", "betting_integrity:BI-4.2"],
)
def stake_limits(now: datetime) -> CheckResult:
    since = now - timedelta(days=30)
    outside = list(
        Bet.objects.filter(placed_at__gte=since)
        .filter(Q(stake_units__lt=F("tenant__unit_min")) | Q(stake_units__gt=F("tenant__unit_max")))
        .order_by("pk")
        .values_list("pk", flat=True)[: EVIDENCE_ID_LIMIT + 1]
    )
    rate_limited = bool(getattr(settings, "RATELIMIT_ENABLED", False))
    evidence = {
        "window_days": 30,
        "bets_outside_limits": outside[:EVIDENCE_ID_LIMIT],
        "bets_outside_limits_count": len(outside),
        "ratelimit_enabled": rate_limited,
        "placements_per_capper": getattr(settings, "RATELIMIT_BET_PLACEMENTS_PER_CAPPER", None),
        "placement_window_seconds": getattr(settings, "RATELIMIT_BET_PLACEMENT_WINDOW_SECONDS", None),
    }
    if outside or not rate_limited:
        return CheckResult.failed(
            f"{len(outside)} bets outside limits in 30 days; placement rate limit {'on' if rate_limited else 'off'}",
            **evidence,
        )
    return CheckResult.passed("no stake outside its guild's limits; placement is rate-limited", **evidence)


# tables whose append-only rule is a PostgreSQL trigger (audit trail, units ledger)
APPEND_ONLY_TABLES = ["audit_auditevent", "audit_auditseal", "betting_ledgerentry"]


@register_check(
    id="integrity.append_only_triggers",
    title="The audit trail and the units ledger are append-only in the database",
    severity=Severity.CRITICAL,
    frequency_minutes=60,
    requirements=["betting_integrity:BI-1.1", "pci_dss:10.3.4", "sox_itgc:OP-02", "hipaa:164.312(c)(1)", "soc2:PI1.4"],
)
def append_only_triggers(now: datetime) -> CheckResult:
    if connection.vendor != "postgresql":
        return CheckResult.not_applicable(f"append-only triggers exist on PostgreSQL only ({connection.vendor})")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgname, t.tgenabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND c.relname = ANY(%s) ORDER BY 1, 2",
            [APPEND_ONLY_TABLES],
        )
        rows = cursor.fetchall()
    # tgenabled: O = enabled (origin), A = always, R = replica only, D = disabled
    triggers = [{"table": table, "trigger": name, "enabled": state in ("O", "A")} for table, name, state in rows]
    protected = {row["table"] for row in triggers if row["enabled"]}
    unprotected = sorted(set(APPEND_ONLY_TABLES) - protected)
    evidence = {"triggers": triggers, "unprotected_tables": unprotected}
    if unprotected:
        return CheckResult.failed(f"no enabled append-only trigger on {', '.join(unprotected)}", **evidence)
    return CheckResult.passed(f"{len(APPEND_ONLY_TABLES)} tables protected by enabled append-only triggers", **evidence)
