"""Raising alerts (with dedup and suppression; a new one tells the analysts) and triaging them (audited)."""

from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.services import audit_record, field_changes
from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.notifications.choices import EventKind
from apps.notifications.choices import Severity as NoticeSeverity
from apps.notifications.services import Recipients, notification_send
from apps.security.choices import ABSORBING_STATUSES, AlertStatus
from apps.security.models import Alert, AlertActivity, DetectionRule, SecurityEvent
from apps.security.realtime import alert_payload, stream_send_on_commit
from apps.security.signals import alert_raised

SYSTEM = Actor.system("security detection")

# Which status an analyst may move an alert to from each status. Reopening goes to acknowledged:
# someone is looking at it again.
TRANSITIONS = {
    AlertStatus.NEW: {AlertStatus.ACKNOWLEDGED, AlertStatus.RESOLVED, AlertStatus.DISMISSED},
    AlertStatus.ACKNOWLEDGED: {AlertStatus.RESOLVED, AlertStatus.DISMISSED},
    AlertStatus.RESOLVED: {AlertStatus.ACKNOWLEDGED},
    AlertStatus.DISMISSED: {AlertStatus.ACKNOWLEDGED},
}


def _lock_dedup_key(dedup_key: str) -> None:
    # Two processes detecting the same thing at once must not open two alerts: serialize per key.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"security.alert:{dedup_key}"])


def _activity(*, alert: Alert, actor: Actor, action: str, **fields: Any) -> AlertActivity:
    return AlertActivity.objects.create(
        alert=alert,
        actor_kind=actor.kind,
        actor_identifier=actor.identifier[:64],
        actor_label=actor.label[:150],
        action=action,
        **fields,
    )


@transaction.atomic
def alert_raise(
    *,
    rule: DetectionRule,
    group_key: str,
    events: list[SecurityEvent],
    details: dict[str, Any],
    seen_at: datetime | None = None,
    guild_id: str = "",
    title: str = "",
) -> tuple[Alert, bool] | None:
    """Open an alert, or fold a repeat into the latest alert of the same rule and key that is not
    resolved and was last seen within the rule's suppression window before `seen_at`. Returns (alert, created), or
    None when every event was already on that alert (the correlation job re-finding a detection)."""
    dedup_key = f"{rule.slug}:{group_key}"[:200]
    _lock_dedup_key(dedup_key)
    seen_at = seen_at or max((event.occurred_at for event in events), default=None) or timezone.now()
    first_seen = min((event.occurred_at for event in events), default=seen_at)
    existing = (
        Alert.objects.select_for_update()
        .filter(
            dedup_key=dedup_key,
            status__in=ABSORBING_STATUSES,
            first_seen_at__lte=seen_at,
            last_seen_at__gte=seen_at - timedelta(seconds=rule.suppression_seconds),
        )
        .order_by("-last_seen_at", "-id")
        .first()
    )
    if existing is not None:
        known = set(existing.events.values_list("pk", flat=True))
        new_events = [event for event in events if event.pk not in known]
        if events and not new_events:
            return None
        existing.detection_count = F("detection_count") + 1
        existing.last_seen_at = max(existing.last_seen_at, seen_at)
        existing.details = details
        existing.save(update_fields=["detection_count", "last_seen_at", "details", "updated_at"])
        existing.events.add(*new_events)
        existing.refresh_from_db(fields=["detection_count"])
        _activity(alert=existing, actor=SYSTEM, action="repeated", details={"new_events": len(new_events)})
        stream_send_on_commit(kind="alert", payload=lambda: alert_payload(existing))
        return existing, False
    alert = Alert.objects.create(
        rule=rule,
        rule_version=rule.version,
        title=(title or f"{rule.name}: {group_key}")[:200],
        severity=rule.severity,
        dedup_key=dedup_key,
        group_key=group_key[:150],
        guild_id=guild_id,
        details=details,
        compliance_requirements=list(rule.compliance_requirements),
        first_seen_at=first_seen,
        last_seen_at=seen_at,
    )
    alert.events.set(events)
    _activity(alert=alert, actor=SYSTEM, action="raised", to_status=AlertStatus.NEW)
    audit_record(
        actor=SYSTEM,
        action="security.alert_raised",
        target=alert,
        guild_id=guild_id,
        changes=field_changes({}, {"rule": rule.slug, "rule_version": rule.version, "severity": rule.severity}),
    )
    stream_send_on_commit(kind="alert", payload=lambda: alert_payload(alert))
    _notify(alert)
    alert_raised.send(
        sender=Alert,
        alert_id=alert.pk,
        rule_slug=rule.slug,
        severity=alert.severity,
        group_key=alert.group_key,
        guild_id=guild_id,
    )
    return alert, True


def _notify(alert: Alert) -> None:
    # a new alert only (a repeat folded into it tells nobody again); to the security analysts
    # (apps/notifications/choices.py DEFAULT_ROLES) and the guild's channels
    notification_send(
        kind=EventKind.SECURITY_ALERT_RAISED,
        key=f"security_alert:{alert.pk}",
        context={
            "alert_id": alert.pk,
            "title": alert.title,
            "rule": alert.rule.slug,
            "severity": alert.severity,
            "guild_id": alert.guild_id,
            "first_seen_at": f"{alert.first_seen_at:%Y-%m-%d %H:%M}",
        },
        recipients=Recipients(),
        severity=NoticeSeverity.CRITICAL if alert.severity == "critical" else NoticeSeverity.WARNING,
        guild_id=alert.guild_id,
    )


_UNSET: Any = object()


def _check_assignee(assignee) -> None:
    if assignee is None:
        return
    if not (assignee.is_active and assignee.is_staff and assignee.has_perm("security.change_alert")):
        raise ApplicationError(
            _("%(username)s cannot triage alerts (an active security analyst or superuser can).")
            % {"username": assignee.get_username()},
            code="invalid_assignee",
            fields={"assignee": [_("This user may not triage alerts.")]},
        )


@transaction.atomic
def alert_triage(
    *, alert: Alert, actor: Actor, status: str | None = None, assignee: Any = _UNSET, note: str = ""
) -> Alert:
    """Change an alert's status and/or assignee and/or add a note; each change is in its history and
    the audit trail. A status may only move along TRANSITIONS; an empty triage is refused."""
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    before = {"status": alert.status, "assignee": alert.assignee.get_username() if alert.assignee else None}
    if status is not None and status != alert.status:
        if status not in TRANSITIONS.get(alert.status, set()):
            allowed = ", ".join(sorted(TRANSITIONS.get(alert.status, set()))) or "none"
            raise ApplicationError(
                _("An alert that is %(status)s cannot become %(new_status)s; it can become: %(allowed)s.")
                % {"status": alert.status, "new_status": status, "allowed": allowed},
                code="invalid_transition",
                fields={"status": [_("Not allowed from %(status)s.") % {"status": alert.status}]},
            )
        _activity(alert=alert, actor=actor, action="status_changed", from_status=alert.status, to_status=status)
        alert.status = status
    if assignee is not _UNSET and assignee != alert.assignee:
        _check_assignee(assignee)
        _activity(
            alert=alert,
            actor=actor,
            action="assigned",
            details={"assignee": assignee.get_username() if assignee else None},
        )
        alert.assignee = assignee
    after = {"status": alert.status, "assignee": alert.assignee.get_username() if alert.assignee else None}
    changes = field_changes(before, after)
    if not changes and not note.strip():
        raise ApplicationError(_("Nothing to change: give a new status, an assignee or a note."), code="no_change")
    if note.strip():
        _activity(alert=alert, actor=actor, action="noted", note=note.strip())
    alert.save(update_fields=["status", "assignee", "updated_at"])
    audit_record(
        actor=actor,
        action="security.alert_triaged",
        target=alert,
        guild_id=alert.guild_id,
        changes=changes,
        reason=note.strip(),
    )
    stream_send_on_commit(kind="alert", payload=lambda: alert_payload(alert))
    return alert


def alert_assignee_by_username(username: str | None):
    """The staff user an API triage names (None clears the assignee)."""
    if username is None:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise ApplicationError(
            _("No staff user named %(username)r.") % {"username": username},
            code="invalid_assignee",
            fields={"assignee": [_("Unknown user.")]},
        )
    return user
