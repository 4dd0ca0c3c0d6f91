"""Telling people of an event: one notification (rendered once, by its key), one delivery per channel and
destination, sent by Celery tasks through the transactional outbox.

Recipients are users, staff roles, plain e-mail addresses, and webhook endpoints and Discord channels named
by id (named-only destinations, services/targets.py: an incident escalation level's targets). A user's
preferences choose channels (e-mail and inbox by default) and quiet hours: a non-critical e-mail in quiet
hours waits until they end, a critical one goes now. Every e-mail address that is due at the same moment
shares one message. Subscribed webhook endpoints and the guild's Discord channel get the events they
subscribe to (all, when they name none); named ones get what names them, too.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from apps.accounts.selectors import staff_role_members
from apps.core.enqueue import enqueue
from apps.notifications.choices import DEFAULT_ROLES, Channel, DeliveryStatus, Severity
from apps.notifications.models import (
    Delivery,
    DiscordChannel,
    InboxItem,
    Notification,
    NotificationPreference,
    WebhookEndpoint,
)
from apps.notifications.services.delivery import delivery_schedule
from apps.notifications.services.inbox import inbox_unread_refresh
from apps.notifications.tasks import notification_delivery_send_task, notification_delivery_send_urgent_task

DEFAULT_CHANNELS = frozenset({Channel.EMAIL, Channel.INBOX})


@dataclass(frozen=True)
class Attachment:
    """A stored file to e-mail with a notification: its name in the message, its path in the default
    storage, its content type and the SHA-256 on record (the e-mail is not sent if the file differs)."""

    name: str
    path: str
    content_type: str
    sha256: str

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "path": self.path, "content_type": self.content_type, "sha256": self.sha256}


@dataclass(frozen=True)
class Recipients:
    """Who to tell: users (ids), holders of staff roles, e-mail addresses (told by e-mail only), and
    webhook endpoints and Discord channels by id (told whatever they subscribe to, besides the subscribers)."""

    user_ids: Iterable[int] = ()
    roles: Iterable[str] = ()
    addresses: Iterable[str] = field(default=())
    webhook_ids: Iterable[int] = ()
    discord_channel_ids: Iterable[int] = ()


def quiet_hours_end(*, preference: NotificationPreference | None, now: datetime) -> datetime | None:
    """When the person's quiet hours that contain `now` end (UTC), or None when `now` is not in them."""
    if preference is None or preference.quiet_hours_start is None or preference.quiet_hours_end is None:
        return None
    start, end = preference.quiet_hours_start, preference.quiet_hours_end
    if start == end:
        return None
    try:
        zone = ZoneInfo(preference.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = now.astimezone(zone)
    moment = local.time().replace(tzinfo=None)
    quiet = start <= moment < end if start < end else (moment >= start or moment < end)
    if not quiet:
        return None
    ends = datetime.combine(local.date(), time(end.hour, end.minute, end.second), tzinfo=zone)
    if ends <= local:
        ends += timedelta(days=1)
    return ends.astimezone(UTC)


def _render(kind: str, context: Mapping) -> tuple[str, str, str]:
    subject = " ".join(render_to_string(f"notifications/{kind}/subject.txt", context).split())
    text = render_to_string(f"notifications/{kind}/body.txt", context).strip() + "\n"
    html = render_to_string(f"notifications/{kind}/body.html", context).strip()
    return subject[:300], text, html


def _people(recipients: Recipients, kind: str) -> list:
    ids = set(recipients.user_ids)
    for role in {*recipients.roles, *DEFAULT_ROLES.get(kind, ())}:
        ids |= set(staff_role_members(role=role).values_list("pk", flat=True))
    return list(get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def _subscribed(rows, kind: str) -> list:
    return [row for row in rows if not row.event_kinds or kind in row.event_kinds]


def _endpoints(kind: str, guild_id: str, recipients: Recipients) -> tuple[list[WebhookEndpoint], list[DiscordChannel]]:
    """The subscribers of the kind (the guild's and the platform's), then the destinations named by id."""
    tenant = Q(tenant=None) | Q(tenant__guild_id=guild_id) if guild_id else Q(tenant=None)
    webhooks = WebhookEndpoint.objects.filter(tenant, is_active=True, subscribed=True).order_by("pk")
    discord = DiscordChannel.objects.filter(is_active=True, subscribed=True).order_by("pk")
    discord = discord.filter(tenant__guild_id=guild_id) if guild_id else discord.filter(tenant=None)
    webhooks, discord = _subscribed(webhooks, kind), _subscribed(discord, kind)
    named_webhooks = WebhookEndpoint.objects.filter(pk__in=set(recipients.webhook_ids), is_active=True)
    named_discord = DiscordChannel.objects.filter(pk__in=set(recipients.discord_channel_ids), is_active=True)
    webhooks += [row for row in named_webhooks.order_by("pk") if row not in webhooks]
    discord += [row for row in named_discord.order_by("pk") if row not in discord]
    return webhooks, discord


def _person_deliveries(notification: Notification, people: list, now: datetime) -> tuple[dict, list[Delivery]]:
    """E-mail addresses grouped by when they are due, and the inbox deliveries (written now)."""
    preferences = {row.user_id: row for row in NotificationPreference.objects.filter(user__in=people)}
    critical = notification.severity == Severity.CRITICAL
    emails: dict[datetime | None, set[str]] = defaultdict(set)
    inbox: list[Delivery] = []
    for person in people:
        preference = preferences.get(person.pk)
        channels = set(preference.channels) if preference is not None else DEFAULT_CHANNELS
        if Channel.EMAIL in channels and person.email:
            due = None if critical else quiet_hours_end(preference=preference, now=now)
            emails[due].add(person.email)
        if Channel.INBOX in channels:
            inbox.append(
                Delivery(
                    notification=notification,
                    key=f"{notification.key}:inbox:{person.pk}",
                    channel=Channel.INBOX,
                    user=person,
                    status=DeliveryStatus.DELIVERED,
                    attempts=1,
                    sent_at=now,
                )
            )
    return emails, inbox


@transaction.atomic
def notification_send(
    *,
    kind: str,
    key: str,
    context: Mapping,
    recipients: Recipients,
    severity: str = Severity.WARNING,
    guild_id: str = "",
    is_urgent: bool = False,
    now: datetime | None = None,
    attachments: Iterable[Attachment] = (),
) -> Notification | None:
    """Tell an event once: a key already told creates nothing (None). `context` (JSON: ids, labels, text
    without personal data) fills the kind's templates and is the webhooks' payload; `attachments` go with
    its e-mails only. Deliveries are sent after commit, by tasks (`is_urgent`: on the urgent queue, for a
    page such as an escalation level's); inbox items are written here."""
    now = now or timezone.now()
    subject, text, html = _render(kind, context)
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                key=key[:200],
                kind=kind,
                severity=severity,
                guild_id=guild_id,
                subject=subject,
                text=text,
                html=html,
                payload=dict(context),
                attachments=[attachment.as_dict() for attachment in attachments],
                created_at=now,
            )
    except IntegrityError:
        return None  # told already
    emails, deliveries = _person_deliveries(notification, _people(recipients, kind), now)
    emails[None] |= {address for address in recipients.addresses if address}
    InboxItem.objects.bulk_create(
        InboxItem(user=delivery.user, notification=notification, created_at=now) for delivery in deliveries
    )
    inbox_unread_refresh(user_ids=[delivery.user_id for delivery in deliveries])
    for due, addresses in sorted(emails.items(), key=lambda item: item[0] or now):
        if addresses:
            suffix = "" if due is None else f":{due:%Y%m%dT%H%M}"
            deliveries.append(
                Delivery(
                    notification=notification,
                    key=f"{notification.key}:email{suffix}",
                    channel=Channel.EMAIL,
                    addresses=sorted(addresses),
                    not_before=due,
                )
            )
    webhooks, discord_channels = _endpoints(kind, guild_id, recipients)
    deliveries += [
        Delivery(
            notification=notification, key=f"{notification.key}:webhook:{row.pk}", channel=Channel.WEBHOOK, webhook=row
        )
        for row in webhooks
    ]
    deliveries += [
        Delivery(
            notification=notification,
            key=f"{notification.key}:discord:{row.pk}",
            channel=Channel.DISCORD,
            discord_channel=row,
        )
        for row in discord_channels
    ]
    for delivery in Delivery.objects.bulk_create(deliveries):
        if delivery.channel == Channel.INBOX:
            continue
        if delivery.not_before is not None:
            delivery_schedule(delivery_id=delivery.pk, at=delivery.not_before)
        else:
            enqueue(
                notification_delivery_send_urgent_task if is_urgent else notification_delivery_send_task, delivery.pk
            )
    return notification
