"""Compliance alerts: rules (validated, audited), raising with dedupe, acknowledgment, escalation.

A finding for a rule and subject updates the active alert instead of opening another (a partial
unique constraint decides between concurrent raisers). Opening an alert tells the rule's recipients
and role members through the notification layer (e-mail, inbox, webhooks); an alert not acknowledged
by `acknowledge_by` is escalated by beat and the escalation recipients are told. Every change is
audited and announced with `compliance_alert_changed` in its transaction (the portal's live
dashboard listens, after commit).
"""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from apps.accounts.choices import StaffRole
from apps.audit.services import audit_record, field_changes
from apps.compliance.choices import (
    ACTIVE_ALERT_STATUSES,
    SEVERITY_RANK,
    AlertCondition,
    AlertPriority,
    AlertStatus,
    CheckStatus,
    Severity,
)
from apps.compliance.models import AlertRule, ComplianceAlert, Requirement
from apps.compliance.notifications import alert_notify
from apps.compliance.reporting.parameters import recipients_validate
from apps.compliance.signals import compliance_alert_changed
from apps.core.actors import Actor
from apps.core.errors import ApplicationError, ConflictError

# what a rule's author sets (the admin's form edits exactly these); audited on every save
RULE_FIELDS = [
    "name",
    "condition",
    "check_id",
    "minimum_severity",
    "framework",
    "score_threshold",
    "requirement_key",
    "priority",
    "recipients",
    "recipient_role",
    "escalation_recipients",
    "acknowledgment_minutes",
    "is_enabled",
]


def _rule_snapshot(rule: AlertRule) -> dict:
    # the framework by its id (framework_id), every other field by its value
    attnames = [AlertRule._meta.get_field(name).attname for name in RULE_FIELDS]
    return {attname: getattr(rule, attname) for attname in attnames}


def _refuse(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, code="invalid_alert_rule", fields={field: [message]})


_RULE_CHOICES = (
    ("condition", AlertCondition, "condition"),
    ("minimum_severity", Severity, "severity"),
    ("priority", AlertPriority, "priority"),
)


def alert_rule_validate(rule: AlertRule) -> None:
    """Refuse a rule that could never fire or could not tell anyone (with the field to fix)."""
    if not rule.name or not rule.name.strip():
        raise _refuse("name", gettext("Give the rule a name."))
    for field_name, choices, noun in _RULE_CHOICES:
        if getattr(rule, field_name) not in choices.values:
            raise _refuse(
                field_name,
                gettext("Choose a %(noun)s: %(choices)s.") % {"noun": noun, "choices": ", ".join(choices.values)},
            )
    if rule.condition == AlertCondition.FRAMEWORK_SCORE_BELOW and (
        rule.score_threshold is None or not 0 <= rule.score_threshold <= 100
    ):
        raise _refuse("score_threshold", gettext("A score rule needs a threshold between 0 and 100."))
    rule.requirement_key = (rule.requirement_key or "").strip()
    if rule.condition == AlertCondition.REQUIREMENT_FAILING:
        framework_id, _, ref = rule.requirement_key.partition(":")
        if not Requirement.objects.filter(framework_id=framework_id, ref=ref).exists():
            raise _refuse(
                "requirement_key",
                gettext("A requirement rule needs an existing requirement as 'framework:ref', not %(requirement_key)r.")
                % {"requirement_key": rule.requirement_key},
            )
    if rule.recipient_role and rule.recipient_role not in StaffRole.values:
        raise _refuse(
            "recipient_role",
            gettext("Unknown role %(recipient_role)r; choose one of %(choices)s.")
            % {"recipient_role": rule.recipient_role, "choices": ", ".join(StaffRole.values)},
        )
    if not rule.acknowledgment_minutes or rule.acknowledgment_minutes < 1:
        raise _refuse("acknowledgment_minutes", gettext("The acknowledgment window must be at least one minute."))
    rule.recipients = recipients_validate(rule.recipients)
    rule.escalation_recipients = recipients_validate(rule.escalation_recipients)
    if not rule.recipients and not rule.recipient_role:
        raise _refuse("recipients", gettext("Name at least one recipient: e-mail addresses or a staff role."))


@transaction.atomic
def alert_rule_save(*, rule: AlertRule, actor: Actor) -> AlertRule:
    """Create or change a rule (validated, audited); refused input writes nothing."""
    alert_rule_validate(rule)
    before = {}
    if rule.pk is not None:
        before = _rule_snapshot(AlertRule.objects.select_for_update().get(pk=rule.pk))
    if AlertRule.objects.filter(name=rule.name).exclude(pk=rule.pk).exists():
        raise ConflictError(
            gettext("An alert rule named %(name)r already exists.") % {"name": rule.name}, code="alert_rule_exists"
        )
    created = rule.pk is None
    rule.save()
    changes = field_changes(before, _rule_snapshot(rule))
    if changes:
        action = "compliance.alert_rule_created" if created else "compliance.alert_rule_updated"
        audit_record(actor=actor, action=action, target=rule, changes=changes)
    return rule


def _announce(alert: ComplianceAlert, change: str) -> None:
    compliance_alert_changed.send(sender=ComplianceAlert, alert_id=alert.pk, status=alert.status, change=change)


def _notify(alert: ComplianceAlert, kind: str) -> None:
    alert_notify(alert=alert, kind=kind)


@transaction.atomic
def alert_raise(
    *, rule: AlertRule, subject: str, summary: str, details: dict, actor: Actor
) -> tuple[ComplianceAlert, bool]:
    """Open an alert for a rule and subject, or update the active one (created=False, nobody re-told)."""
    now = timezone.now()
    alert = (
        ComplianceAlert.objects.select_for_update()
        .filter(rule=rule, subject=subject, status__in=ACTIVE_ALERT_STATUSES)
        .first()
    )
    if alert is not None:
        alert.occurrence_count += 1
        alert.last_seen_at, alert.summary, alert.details = now, summary[:500], details
        alert.save(update_fields=["occurrence_count", "last_seen_at", "summary", "details"])
        return alert, False
    try:
        with transaction.atomic():  # a concurrent raiser may open the same alert: the constraint decides
            alert = ComplianceAlert.objects.create(
                rule=rule,
                subject=subject[:200],
                priority=rule.priority,
                summary=summary[:500],
                details=details,
                raised_at=now,
                last_seen_at=now,
                acknowledge_by=now + timedelta(minutes=rule.acknowledgment_minutes),
            )
    except IntegrityError:
        return alert_raise(rule=rule, subject=subject, summary=summary, details=details, actor=actor)
    audit_record(
        actor=actor,
        action="compliance.alert_raised",
        target=alert,
        changes=field_changes({}, {"rule": rule.name, "subject": alert.subject, "priority": alert.priority}),
    )
    _announce(alert, "raised")
    _notify(alert, "raised")
    return alert, True


def _plain(value):
    # users are named in the audit trail by username, not serialized
    return value.get_username() if hasattr(value, "get_username") else value


def _transition(alert: ComplianceAlert, *, actor: Actor, action: str, reason: str = "", **values) -> ComplianceAlert:
    before = {name: _plain(getattr(alert, name)) for name in values}
    for name, value in values.items():
        setattr(alert, name, value)
    alert.save(update_fields=list(values))
    after = {name: _plain(value) for name, value in values.items()}
    audit_record(actor=actor, action=action, target=alert, changes=field_changes(before, after), reason=reason)
    _announce(alert, action.split(".", 1)[1].removeprefix("alert_"))
    return alert


@transaction.atomic
def alert_acknowledge(*, alert: ComplianceAlert, user, actor: Actor) -> ComplianceAlert:
    """Someone has seen the alert and owns it: it stops counting towards escalation."""
    alert = ComplianceAlert.objects.select_for_update().get(pk=alert.pk)
    if alert.status not in (AlertStatus.OPEN, AlertStatus.ESCALATED):
        raise ConflictError(
            gettext("The alert is %(status)s; only an open or escalated alert can be acknowledged.")
            % {"status": alert.status},
            code="alert_not_open",
        )
    return _transition(
        alert,
        actor=actor,
        action="compliance.alert_acknowledged",
        status=AlertStatus.ACKNOWLEDGED,
        acknowledged_by=user,
        acknowledged_at=timezone.now(),
    )


@transaction.atomic
def alert_resolve(*, alert: ComplianceAlert, actor: Actor, user=None, note: str = "") -> ComplianceAlert:
    """Close the alert (a person with a note, or the system when the condition cleared)."""
    alert = ComplianceAlert.objects.select_for_update().get(pk=alert.pk)
    if alert.status == AlertStatus.RESOLVED:
        raise ConflictError(gettext("The alert is already resolved."), code="alert_resolved")
    if user is not None and not note.strip():
        raise ApplicationError(gettext("Say how the alert was resolved."), fields={"note": [gettext("Required.")]})
    return _transition(
        alert,
        actor=actor,
        action="compliance.alert_resolved",
        reason=note,
        status=AlertStatus.RESOLVED,
        resolved_by=user,
        resolved_at=timezone.now(),
        resolution_note=note,
    )


def alerts_clear(*, rule: AlertRule, subject: str, actor: Actor) -> int:
    """The condition no longer holds: resolve the active alert of this rule and subject (if any)."""
    cleared = 0
    for alert in ComplianceAlert.objects.filter(rule=rule, subject=subject, status__in=ACTIVE_ALERT_STATUSES):
        alert_resolve(alert=alert, actor=actor, note="Condition cleared.")
        cleared += 1
    return cleared


@transaction.atomic
def _escalate(alert: ComplianceAlert, *, actor: Actor, now) -> bool:
    alert = ComplianceAlert.objects.select_for_update(skip_locked=True).filter(pk=alert.pk).first()
    if alert is None or alert.status != AlertStatus.OPEN or alert.acknowledge_by > now:
        return False
    _transition(alert, actor=actor, action="compliance.alert_escalated", status=AlertStatus.ESCALATED, escalated_at=now)
    _notify(alert, "escalated")
    return True


def alerts_escalate_overdue(*, actor: Actor, now=None) -> int:
    """Escalate every open alert not acknowledged in its rule's window; returns how many."""
    now = now or timezone.now()
    overdue = ComplianceAlert.objects.filter(status=AlertStatus.OPEN, acknowledge_by__lte=now).order_by("pk")
    return sum(_escalate(alert, actor=actor, now=now) for alert in overdue)


def _check_rule_matches(rule: AlertRule, check_id: str, severity: str) -> bool:
    if rule.check_id and rule.check_id != check_id:
        return False
    return SEVERITY_RANK.get(severity, -1) >= SEVERITY_RANK[rule.minimum_severity]


def alerts_evaluate_check_run(*, check_run, actor: Actor) -> list[ComplianceAlert]:
    """Raise (or clear) the alerts of check and requirement rules for one recorded check run."""
    raised = []
    failed = check_run.status == CheckStatus.FAIL
    subject = f"check:{check_run.check_id}"
    details = {
        "check_run_id": check_run.pk,
        "check_id": check_run.check_id,
        "severity": check_run.severity,
        "status": check_run.status,
        "evidence_sha256": check_run.evidence_sha256,
    }
    rules = AlertRule.objects.filter(is_enabled=True)
    for rule in rules.filter(condition=AlertCondition.CHECK_FAILED):
        if not _check_rule_matches(rule, check_run.check_id, check_run.severity):
            continue
        if failed:
            summary = f"Check {check_run.check_id} failed ({check_run.severity}): {check_run.summary}"
            raised.append(alert_raise(rule=rule, subject=subject, summary=summary, details=details, actor=actor)[0])
        elif check_run.status == CheckStatus.PASS:
            alerts_clear(rule=rule, subject=subject, actor=actor)
    if failed:
        requirements = set(check_run.requirements or [])
        for rule in rules.filter(condition=AlertCondition.REQUIREMENT_FAILING):
            key = rule.requirement_key
            if key in requirements:
                summary = f"Requirement {key} has failing evidence: check {check_run.check_id}."
                raised.append(
                    alert_raise(rule=rule, subject=f"requirement:{key}", summary=summary, details=details, actor=actor)[
                        0
                    ]
                )
    return raised


def alerts_evaluate_scores(*, scores: list[dict], actor: Actor) -> list[ComplianceAlert]:
    """Raise (or clear) score rules against framework scores [{"id", "score"}, ...] (None: not assessed)."""
    raised = []
    for rule in AlertRule.objects.filter(is_enabled=True, condition=AlertCondition.FRAMEWORK_SCORE_BELOW):
        for row in scores:
            framework_id, score = row["id"], row.get("score")
            if (rule.framework_id and rule.framework_id != framework_id) or score is None:
                continue
            subject = f"framework:{framework_id}"
            if score < rule.score_threshold:
                summary = f"{framework_id} scores {score:.1f}, below {rule.score_threshold:g}."
                details = {"framework": framework_id, "score": score, "threshold": rule.score_threshold}
                raised.append(alert_raise(rule=rule, subject=subject, summary=summary, details=details, actor=actor)[0])
            else:
                alerts_clear(rule=rule, subject=subject, actor=actor)
    return raised
