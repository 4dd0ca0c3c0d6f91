"""Telling people about an incident through the notification layer, and the list of its deliveries.

Targets are the escalation level JSON (models/escalation.py `EscalationLevel.targets`): users, staff roles
and e-mail addresses become the notification layer's recipients; a webhook URL becomes a named-only
webhook endpoint (one per URL, with its own generated Standard Webhooks secret, shown in the admin) and a
Discord URL a named-only Discord channel (apps/notifications/services/targets.py): they are told only what
an incident sends them, never the events other endpoints subscribe to. Every target is a delivery of its
own: one that is down is retried with the notification layer's back-off and shows as failed, and never
holds back the others.
"""

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.choices import StaffRole
from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.incidents.choices import TargetKind, TimelineKind
from apps.incidents.models import Incident, IncidentNotification
from apps.incidents.services.timeline import timeline_audited
from apps.notifications.choices import Channel, Severity
from apps.notifications.models import Delivery, Notification
from apps.notifications.services import Recipients, discord_target, notification_send, webhook_target

ESCALATION_ACTOR = Actor.system("escalation")
_url_validator = URLValidator(schemes=["http", "https"])


def _person_target(kind: str, target: Mapping) -> tuple[dict[str, Any], dict[str, str]]:
    if kind == TargetKind.USER:
        user_id = target.get("user_id")
        valid = isinstance(user_id, int) and not isinstance(user_id, bool)
        if not valid or not get_user_model().objects.filter(pk=user_id, is_active=True).exists():
            return {}, {"user_id": _("No active user with id %(id)s.") % {"id": repr(user_id)}}
        return {"kind": kind, "user_id": user_id}, {}
    if kind == TargetKind.ROLE:
        role = target.get("role")
        if role not in StaffRole.values:
            return {}, {
                "role": _("Unknown staff role %(role)s; one of %(roles)s.")
                % {"role": repr(role), "roles": ", ".join(StaffRole.values)}
            }
        return {"kind": kind, "role": role}, {}
    address = target.get("address")
    try:
        validate_email(address)
    except DjangoValidationError:
        return {}, {"address": _("%(address)s is not an e-mail address.") % {"address": repr(address)}}
    return {"kind": kind, "address": address}, {}


def _target_errors(target: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """The target in its canonical form (only its known keys), and the messages for its bad fields."""
    if not isinstance(target, Mapping):
        return {}, {"kind": _('Each target is an object such as {"kind": "email", "address": "…"}.')}
    kind = target.get("kind")
    if kind not in TargetKind.values:
        return {}, {
            "kind": _("Unknown target kind %(kind)s; one of %(kinds)s.")
            % {"kind": repr(kind), "kinds": ", ".join(TargetKind.values)}
        }
    if kind in (TargetKind.USER, TargetKind.ROLE, TargetKind.EMAIL):
        return _person_target(kind, target)
    url = target.get("url")
    try:
        _url_validator(url)
    except DjangoValidationError:
        return {}, {"url": _("%(url)s is not an http(s) URL.") % {"url": repr(url)}}
    if len(url) > 500:
        return {}, {"url": _("The URL is longer than 500 characters.")}
    return {"kind": kind, "url": url}, {}


def targets_validate(targets: Any, *, field: str = "targets") -> list[dict[str, Any]]:
    """The targets in canonical form; ApplicationError with a message per bad field (`targets[1].url`)."""
    if not isinstance(targets, list) or not targets:
        raise ApplicationError(
            _("Name at least one target."), fields={field: [_("Name at least one target (a list).")]}
        )
    canonical, errors = [], {}
    for index, target in enumerate(targets):
        clean, messages = _target_errors(target)
        errors.update({f"{field}[{index}].{name}": [message] for name, message in messages.items()})
        canonical.append(clean)
    if errors:
        raise ApplicationError(_("Some targets are not valid."), fields=errors)
    return canonical


def targets_prepare(targets: list[dict[str, Any]]) -> None:
    """Create the named-only webhook endpoints (with their secrets) and Discord channels of these targets
    now, so that a receiver's operator can read the secret before the first incident."""
    for target in targets:
        if target["kind"] == TargetKind.WEBHOOK:
            webhook_target(url=target["url"])
        elif target["kind"] == TargetKind.DISCORD:
            discord_target(url=target["url"])


def _recipients(targets: list[dict[str, Any]]) -> Recipients:
    by_kind: dict[str, list] = {kind: [] for kind in TargetKind.values}
    for target in targets:
        kind = target.get("kind")
        if kind == TargetKind.USER:
            by_kind[kind].append(target["user_id"])
        elif kind == TargetKind.ROLE:
            by_kind[kind].append(target["role"])
        elif kind == TargetKind.EMAIL:
            by_kind[kind].append(target["address"])
        elif kind == TargetKind.WEBHOOK:
            by_kind[kind].append(webhook_target(url=target["url"], name=f"incident target {target['url']}").pk)
        elif kind == TargetKind.DISCORD:
            by_kind[kind].append(discord_target(url=target["url"]).pk)
    return Recipients(
        user_ids=by_kind[TargetKind.USER],
        roles=by_kind[TargetKind.ROLE],
        addresses=by_kind[TargetKind.EMAIL],
        webhook_ids=by_kind[TargetKind.WEBHOOK],
        discord_channel_ids=by_kind[TargetKind.DISCORD],
    )


def notification_severity(incident: Incident) -> str:
    """High and critical incidents page through quiet hours; low and medium ones respect them."""
    return Severity.CRITICAL if incident.severity in ("high", "critical") else Severity.WARNING


def incident_context(incident: Incident, **extra: Any) -> dict[str, Any]:
    """The notification templates' context (ids and labels only: it is also the webhooks' payload)."""
    return {
        "incident_id": incident.pk,
        "reference": incident.reference,
        "title": incident.title,
        "kind": incident.kind,
        "severity": incident.severity,
        "guild_id": incident.guild_id,
        "portal_path": f"/portal/incidents/{incident.pk}/",
        **extra,
    }


def incident_alert(
    incident: Incident,
    *,
    kind: str,
    key: str,
    context: Mapping[str, Any],
    recipients: Recipients | None = None,
    severity: str = Severity.WARNING,
    reason: str = "",
    now: datetime | None = None,
) -> Notification | None:
    """One notification of `kind` about the incident to `recipients` (default: the kind's staff roles), keyed
    `incident:<id>:<key>` (told once); the context carries its reference, title, severity and portal page. With
    `reason` a sent notification is recorded as the incident's. None when the key was told already."""
    notification = notification_send(
        kind=kind,
        key=f"incident:{incident.pk}:{key}",
        severity=severity,
        recipients=recipients or Recipients(),
        guild_id=incident.guild_id,
        context={
            "reference": incident.reference,
            "title": incident.title,
            "severity": incident.severity,
            **context,
            "portal_path": f"/portal/incidents/{incident.pk}/",
        },
        now=now,
    )
    if notification is not None and reason:
        IncidentNotification.objects.create(incident=incident, reason=reason, notification=notification)
    return notification


@transaction.atomic
def incident_notify(
    *,
    incident: Incident,
    kind: str,
    reason: str,
    targets: list[dict[str, Any]],
    level: int | None = None,
    severity: str | None = None,
    context: Mapping[str, Any] | None = None,
    key: str = "",
    actor: Actor = ESCALATION_ACTOR,
    is_urgent: bool = False,
    now: datetime | None = None,
) -> IncidentNotification | None:
    """Tell `targets` (level JSON format) about the incident: one notification of `kind`, recorded with its
    level and reason, one timeline line and one audit event. `key` makes it idempotent (the same key told
    twice creates nothing: None); without one each call is a new notification. `is_urgent`: the deliveries
    go on the urgent queue (an escalation level's page)."""
    now = now or timezone.now()
    key = key or f"incident:{incident.pk}:{reason}:{level or '-'}:{uuid.uuid4().hex}"
    notification = notification_send(
        kind=kind,
        key=key,
        context=incident_context(incident, level=level, **dict(context or {})),
        recipients=_recipients(targets),
        severity=severity or notification_severity(incident),
        guild_id=incident.guild_id,
        is_urgent=is_urgent,
        now=now,
    )
    if notification is None:
        return None
    record = IncidentNotification.objects.create(
        incident=incident, level=level, reason=reason, notification=notification
    )
    count = notification.deliveries.count()
    label = f"level {level}" if level else "people"
    details = {"notification_id": notification.pk, "level": level, "reason": reason, "kind": kind}
    timeline_audited(
        incident=incident,
        kind=TimelineKind.NOTIFIED,
        actor=actor,
        message=f"Notified {label} ({reason}): {len(targets)} target(s), {count} delivery(ies).",
        data=details,
        at=now,
        action="incidents.notified",
        changes=dict(details),
    )
    return record


def _discord_label(url: str) -> str:
    """A Discord webhook URL without its token (the last path segment)."""
    head, _, _token = url.rstrip("/").rpartition("/")
    return f"{head}/…" if head else "Discord webhook"


def _target_label(delivery: Delivery) -> str:
    if delivery.channel == Channel.EMAIL:
        return ", ".join(delivery.addresses)
    if delivery.channel == Channel.WEBHOOK:
        return delivery.webhook.url if delivery.webhook else "(endpoint removed)"
    if delivery.channel == Channel.DISCORD:
        return _discord_label(delivery.discord_channel.webhook_url) if delivery.discord_channel else "(removed)"
    return delivery.user.get_username() if delivery.user else "(user removed)"


def incident_deliveries(*, incident: Incident) -> list[dict[str, Any]]:
    """Every delivery of every notification the incident sent, oldest first: level, reason, channel,
    target, status, attempts, last error and when it was sent."""
    records = {row.notification_id: row for row in IncidentNotification.objects.filter(incident=incident)}
    deliveries = (
        Delivery.objects.filter(notification_id__in=records)
        .select_related("notification", "webhook", "discord_channel", "user")
        .order_by("notification_id", "id")
    )
    return [
        {
            "id": delivery.pk,
            "notification_id": delivery.notification_id,
            "level": records[delivery.notification_id].level,
            "reason": records[delivery.notification_id].reason,
            "kind": delivery.notification.kind,
            "channel": delivery.channel,
            "target": _target_label(delivery),
            "status": delivery.status,
            "attempts": delivery.attempts,
            "last_error": delivery.last_error,
            "response_status": delivery.response_status,
            "sent_at": delivery.sent_at,
            "next_attempt_at": delivery.next_attempt_at,
            "created_at": delivery.created_at,
        }
        for delivery in deliveries
    ]
