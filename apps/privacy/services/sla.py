"""Deadlines: data-subject requests near or past their due date, assessments due for review.

Run by beat (apps/privacy/schedules.py). Each finding opens a `PrivacyAlert` or refreshes the open one
of the same kind and subject (partial unique constraints); a new alert is audited and told to the
compliance officers (apps/notifications); alerts of requests that were closed, and "due soon" alerts of
requests now overdue, are resolved.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from apps.audit.services import audit_record
from apps.core.actors import Actor
from apps.notifications.choices import EventKind
from apps.notifications.services import Recipients, notification_send
from apps.privacy.choices import OPEN_REQUEST_STATUSES, PiaStatus, PrivacyAlertKind
from apps.privacy.models import PrivacyAlert, PrivacyImpactAssessment
from apps.privacy.selectors.requests import overdue_requests, requests_due_soon

SYSTEM = Actor.system("privacy deadlines")


@dataclass
class SlaReport:
    raised: int = 0
    refreshed: int = 0
    resolved: int = 0


def _raise(*, kind: str, message: str, due_at, now, guild_id: str = "", **subject) -> bool:
    """Open an alert, or refresh the open one of this kind and subject; True when a new one was opened."""
    updated = PrivacyAlert.objects.filter(kind=kind, resolved_at__isnull=True, **subject).update(
        last_seen_at=now, seen_count=F("seen_count") + 1, message=message[:300]
    )
    if updated:
        return False
    try:
        with transaction.atomic():
            alert = PrivacyAlert.objects.create(
                kind=kind, message=message[:300], due_at=due_at, raised_at=now, last_seen_at=now, **subject
            )
            audit_record(
                actor=SYSTEM,
                action="privacy.alert_raised",
                target=alert,
                guild_id=guild_id,
                changes={"kind": kind, "due_at": due_at.isoformat()},
            )
            _notify(alert, guild_id)
    except IntegrityError:  # a concurrent run opened it first
        return False
    return True


def _notify(alert: PrivacyAlert, guild_id: str) -> None:
    # a new alert only (a refresh tells nobody again); the compliance officers (DEFAULT_ROLES)
    notification_send(
        kind=EventKind.PRIVACY_DEADLINE,
        key=f"privacy_alert:{alert.pk}",
        context={
            "alert_id": alert.pk,
            "kind": alert.kind,
            "label": alert.get_kind_display(),
            "message": alert.message,
            "due_at": f"{alert.due_at:%Y-%m-%d %H:%M}",
            "guild_id": guild_id,
        },
        recipients=Recipients(),
        guild_id=guild_id,
    )


def privacy_deadlines_check(*, now=None) -> SlaReport:
    """Raise or refresh the alerts of every request due soon or overdue and every assessment due for review."""
    now = now or timezone.now()
    report = SlaReport()
    late = [
        (
            PrivacyAlertKind.REQUEST_OVERDUE,
            request,
            f"is overdue by {(now - request.due_at).days} day(s)",
        )
        for request in overdue_requests(now=now)
    ] + [
        (PrivacyAlertKind.REQUEST_DUE_SOON, request, f"is due {request.due_at:%Y-%m-%d %H:%M} UTC")
        for request in requests_due_soon(now=now)
    ]
    for kind, request, when in late:
        opened = _raise(
            kind=kind,
            message=f"{request.get_kind_display()} request #{request.pk} {when} ({request.get_status_display()}).",
            due_at=request.due_at,
            now=now,
            guild_id=request.tenant.guild_id,
            request=request,
        )
        report.raised += opened
        report.refreshed += not opened
    due_reviews = PrivacyImpactAssessment.objects.filter(status=PiaStatus.APPROVED, next_review_at__lte=now)
    for pia in due_reviews.order_by("next_review_at", "pk"):
        opened = _raise(
            kind=PrivacyAlertKind.PIA_REVIEW_DUE,
            message=f"PIA #{pia.pk} ({pia.title[:120]}) was due for review on {pia.next_review_at:%Y-%m-%d}.",
            due_at=pia.next_review_at,
            now=now,
            assessment=pia,
        )
        report.raised += opened
        report.refreshed += not opened
    open_alerts = PrivacyAlert.objects.filter(resolved_at__isnull=True)
    report.resolved += (
        open_alerts.filter(request__isnull=False)
        .exclude(request__status__in=OPEN_REQUEST_STATUSES)
        .update(resolved_at=now)
    )
    report.resolved += open_alerts.filter(kind=PrivacyAlertKind.REQUEST_DUE_SOON, request__due_at__lt=now).update(
        resolved_at=now
    )
    report.resolved += (
        open_alerts.filter(assessment__isnull=False)
        .exclude(assessment__status=PiaStatus.APPROVED, assessment__next_review_at__lte=now)
        .update(resolved_at=now)
    )
    return report
