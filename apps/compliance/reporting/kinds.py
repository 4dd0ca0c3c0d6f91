"""One builder per report kind: live data in, `ReportContent` out (no writes).

Framework status comes from the compliance selectors, the GDPR Art. 30 record from the
classification registry (apps/core/personal_data.py), the audit extract from apps.audit, request
statistics from apps.privacy, and the betting-integrity summary from apps.fraud and apps.betting.
"""

import statistics
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.models import AuditEvent
from apps.betting.choices import GameStatus, LedgerKind, LegResult
from apps.betting.models import BetLeg, LedgerEntry
from apps.compliance.choices import ReportKind
from apps.compliance.reporting.content import ReportContent, Table
from apps.compliance.selectors import failing_checks, framework_scores
from apps.core.errors import ApplicationError
from apps.core.personal_data import ENCRYPTED_CLASSES, personal_models
from apps.fraud.models import FraudCase
from apps.keyring.fields import is_encrypted_field
from apps.privacy.choices import OPEN_REQUEST_STATUSES, RequestStatus
from apps.privacy.models import DataSubjectRequest


def _value(item: Any, name: str, default: Any = "") -> Any:
    """A field of a selector row, whether the selector returns dicts or objects."""
    if isinstance(item, dict):
        return item.get(name, default)
    return getattr(item, name, default)


def framework_status(*, framework, parameters: dict) -> ReportContent:
    scores = framework_scores(framework_id=framework.pk if framework is not None else None)
    title = f"Framework status: {framework}" if framework is not None else "Framework status: all frameworks"
    content = ReportContent(title=title)
    content.facts.append(("Frameworks", len(scores)))
    content.tables.append(
        Table(
            "Scores",
            ["framework", "name", "version", "score", "passing", "failing", "manual", "requirements"],
            [
                [
                    _value(row, "id"),
                    _value(row, "name"),
                    _value(row, "version"),
                    _value(row, "score", None),
                    _value(row, "passing", None),
                    _value(row, "failing", None),
                    _value(row, "manual", None),
                    _value(row, "requirement_count", None),
                ]
                for row in scores
            ],
        )
    )
    checks = list(failing_checks())
    if framework is not None:
        prefix = f"{framework.pk}:"
        checks = [run for run in checks if any(str(ref).startswith(prefix) for ref in _value(run, "requirements", []))]
    content.facts.append(("Failing checks", len(checks)))
    content.tables.append(
        Table(
            "Failing checks",
            ["check", "severity", "status", "summary", "requirements", "evidence_sha256", "at"],
            [
                [
                    _value(run, "check_id"),
                    _value(run, "severity"),
                    _value(run, "status"),
                    _value(run, "summary"),
                    " ".join(str(ref) for ref in _value(run, "requirements", [])),
                    _value(run, "evidence_sha256"),
                    _value(run, "started_at", None),
                ]
                for run in checks
            ],
        )
    )
    if parameters.get("include_passing"):
        content.notes.append("Passing checks are shown in the portal's drill-down with their evidence.")
    return content


def gdpr_article_30(*, framework, parameters: dict) -> ReportContent:
    content = ReportContent(title="Record of processing activities (GDPR Art. 30)")
    rows, kinds, unencrypted = [], set(), 0
    for entry in personal_models():
        kinds.add(entry.kind)
        for personal in entry.fields.values():
            try:
                encrypted = is_encrypted_field(entry.model._meta.get_field(personal.name))
            except FieldDoesNotExist:  # a declared field that no longer exists is reported, not fatal
                encrypted = False
            must_encrypt = personal.data_class in ENCRYPTED_CLASSES
            unencrypted += int(must_encrypt and not encrypted)
            rows.append(
                [
                    entry.kind,
                    entry.model_label,
                    personal.name,
                    personal.category.label if hasattr(personal.category, "label") else str(personal.category),
                    personal.data_class.label if hasattr(personal.data_class, "label") else str(personal.data_class),
                    personal.purpose or "operating the betting community (contract)",
                    "yes" if encrypted else ("REQUIRED, missing" if must_encrypt else "no"),
                ]
            )
    content.facts = [
        ("Controller", parameters.get("controller") or "—"),
        ("Contact", parameters.get("contact") or "—"),
        ("Data kinds", len(kinds)),
        ("Personal fields", len(rows)),
        ("Restricted fields not encrypted", unencrypted),
    ]
    content.tables.append(
        Table("Processing record", ["data kind", "model", "field", "category", "class", "purpose", "encrypted"], rows)
    )
    content.notes.append(
        "Built from the classification registry each app declares (apps/<app>/personal_data.py); "
        "recipients are the platform's staff only, and no transfers outside the platform take place."
    )
    return content


def _day_range(parameters: dict) -> tuple[datetime, datetime]:
    if parameters.get("start"):
        start = datetime.combine(date.fromisoformat(parameters["start"]), time.min, tzinfo=UTC)
        end = datetime.combine(date.fromisoformat(parameters["end"]), time.min, tzinfo=UTC)
        return start, end + timedelta(days=1)
    now = timezone.now()
    return now - timedelta(days=parameters["days"]), now


def audit_trail_extract(*, framework, parameters: dict) -> ReportContent:
    start, end = _day_range(parameters)
    events = AuditEvent.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
    if parameters.get("action_prefix"):
        events = events.filter(action__startswith=parameters["action_prefix"])
    if parameters.get("guild_id"):
        events = events.filter(guild_id=parameters["guild_id"])
    limit = settings.COMPLIANCE_REPORT_MAX_AUDIT_EVENTS
    total = events.count()
    if total > limit:
        raise ApplicationError(
            _(
                "The extract would hold %(total)s audit events, more than the limit of %(limit)s: choose a "
                "shorter date range or an action prefix."
            )
            % {"total": total, "limit": limit},
            code="report_too_large",
        )
    columns = ["id", "occurred_at", "actor_kind", "actor_label", "guild_id", "action", "target", "reason"]
    rows = [
        [e.pk, e.occurred_at, e.actor_kind, e.actor_label, e.guild_id, e.action, e.target_label, e.reason[:200]]
        for e in events.order_by("occurred_at", "pk").iterator(chunk_size=2000)
    ]
    content = ReportContent(title="Audit trail extract")
    content.facts = [("From", start), ("Until", end), ("Events", total)]
    content.tables.append(Table("Events", columns, rows))
    by_action = events.values("action").annotate(n=Count("id")).order_by("-n", "action")
    content.tables.append(Table("Events by action", ["action", "count"], [[r["action"], r["n"]] for r in by_action]))
    return content


def dsr_statistics(*, framework, parameters: dict) -> ReportContent:
    now = timezone.now()
    requests = DataSubjectRequest.objects.filter(received_at__gte=now - timedelta(days=parameters["days"]))
    by_kind_status = requests.values("kind", "status").annotate(n=Count("id")).order_by("kind", "status")
    durations = [
        (completed - received).total_seconds() / 86400
        for received, completed in requests.filter(status=RequestStatus.COMPLETED, completed_at__isnull=False)
        .values_list("received_at", "completed_at")
        .iterator()
    ]
    overdue = requests.filter(status__in=list(OPEN_REQUEST_STATUSES), due_at__lt=now)
    content = ReportContent(title="Data-subject request statistics")
    content.facts = [
        ("Period (days)", parameters["days"]),
        ("Requests", requests.count()),
        ("Median days to complete", round(statistics.median(durations), 2) if durations else "—"),
        ("Overdue now", overdue.count()),
    ]
    content.tables.append(
        Table(
            "By kind and status",
            ["kind", "status", "count"],
            [[r["kind"], r["status"], r["n"]] for r in by_kind_status],
        )
    )
    content.tables.append(
        Table(
            "Overdue requests",
            ["request", "kind", "status", "due_at"],
            [[f"#{r.pk}", r.kind, r.status, r.due_at] for r in overdue.order_by("due_at")],
        )
    )
    return content


def betting_integrity(*, framework, parameters: dict) -> ReportContent:
    now = timezone.now()
    since = now - timedelta(days=parameters["days"])
    cases = FraudCase.objects.filter(last_detected_at__gte=since)
    by_kind = cases.values("kind", "status").annotate(n=Count("id")).order_by("kind", "status")
    corrections = LedgerEntry.objects.filter(kind=LedgerKind.REVERSE, created_at__gte=since)
    overdue_before = now - timedelta(hours=parameters["pending_hours"])
    pending = (
        BetLeg.objects.filter(result=LegResult.PENDING, game__status=GameStatus.FINAL)
        .filter(
            Q(game__finalized_at__lt=overdue_before)
            | Q(game__finalized_at__isnull=True, game__starts_at__lt=overdue_before)
        )
        .values("bet_id", "bet__tenant__guild_id", "game__external_id", finalized=F("game__finalized_at"))
        .order_by("game__finalized_at", "bet_id")
    )
    content = ReportContent(title="Betting-integrity summary")
    content.facts = [
        ("Period (days)", parameters["days"]),
        ("Fraud cases detected", cases.count()),
        ("Settlement corrections", corrections.count()),
        (f"Bets pending {parameters['pending_hours']} h past game end", pending.values("bet_id").distinct().count()),
    ]
    content.tables.append(
        Table(
            "Fraud cases by detector and status",
            ["detector", "status", "count"],
            [[r["kind"], r["status"], r["n"]] for r in by_kind],
        )
    )
    content.tables.append(
        Table(
            "Settlement corrections",
            ["bet", "guild_id", "result", "units", "at", "reason"],
            [
                [c.bet_id, c.tenant.guild_id, c.result, c.units, c.created_at, c.reason]
                for c in corrections.select_related("tenant").order_by("created_at")
            ],
        )
    )
    content.tables.append(
        Table(
            "Bets pending past their game's end",
            ["bet", "guild_id", "game", "game_final_at"],
            [[r["bet_id"], r["bet__tenant__guild_id"], r["game__external_id"], r["finalized"]] for r in pending],
        )
    )
    return content


BUILDERS: dict[str, Callable[..., ReportContent]] = {
    ReportKind.FRAMEWORK_STATUS: framework_status,
    ReportKind.GDPR_ARTICLE_30: gdpr_article_30,
    ReportKind.AUDIT_TRAIL_EXTRACT: audit_trail_extract,
    ReportKind.DSR_STATISTICS: dsr_statistics,
    ReportKind.BETTING_INTEGRITY: betting_integrity,
}


def report_content_build(*, kind: str, framework, parameters: dict) -> ReportContent:
    """The content of a report of this kind from live data (parameters already validated)."""
    return BUILDERS[kind](framework=framework, parameters=parameters)
