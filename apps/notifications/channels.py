"""How one delivery travels: SMTP through Django's e-mail backend (with the notification's stored files
attached, checked against their SHA-256), or one HTTP POST (webhook, Discord).

Every outbound HTTP request of this app goes through `http_post`, and so through `apps.core.outbound`: the
SSRF guard with the connection pinned to the checked address, the upstream's circuit breaker shared across
processes, short timeouts, no redirects.
"""

import hashlib
import json
import smtplib
from datetime import datetime

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import EmailMultiAlternatives
from standardwebhooks import Webhook

from apps.core.mail import exact_attachment
from apps.core.outbound import OutboundBlocked, OutboundError, outbound_request
from apps.notifications.models import Delivery

USER_AGENT = "DBSBM-Notifications/1"


class DeliveryError(Exception):
    """The channel refused or could not be reached; `status` is the HTTP status when there was one."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def http_post(*, url: str, body: bytes, headers: dict[str, str], upstream: str | None = None) -> int:
    """POST `body` to `url` once through the outbound guard; returns the status. Raises DeliveryError when
    the target is refused (SSRF guard), the upstream's circuit is open ("circuit open for <upstream>", no call
    made) or the receiver cannot be reached. `upstream` names the breaker (default: scheme://host:port)."""
    try:
        response = outbound_request(
            "POST",
            url,
            upstream=upstream,
            headers={"User-Agent": USER_AGENT, **headers},
            body=body,
            timeout=(settings.NOTIFICATIONS_HTTP_CONNECT_TIMEOUT, settings.NOTIFICATIONS_HTTP_READ_TIMEOUT),
        )
    except OutboundBlocked as error:
        raise DeliveryError(f"Refused by the SSRF guard: {error}") from error
    except OutboundError as error:
        message = f"{error.kind}: unreachable" if error.kind else str(error)
        raise DeliveryError(message, status=error.status) from error
    return response.status


def _require_2xx(status: int) -> int:
    if not 200 <= status < 300:
        raise DeliveryError(f"HTTP {status}", status=status)
    return status


def _attachment_bytes(attachment: dict) -> bytes:
    """The stored file, read whole; refused (not sent) when it is missing or its bytes are not the ones
    whose SHA-256 is on record: what a recipient gets is what was stored."""
    try:
        with default_storage.open(attachment["path"], "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise DeliveryError(f"Attachment {attachment['name']}: {type(error).__name__}") from error
    if hashlib.sha256(data).hexdigest() != attachment["sha256"]:
        raise DeliveryError(f"Attachment {attachment['name']} differs from its recorded SHA-256: not sent.")
    return data


def email_send(delivery: Delivery, *, now: datetime) -> int | None:
    """One message to the delivery's addresses: the kind's plain text, with its HTML as an alternative,
    and the notification's stored files attached byte for byte."""
    notification = delivery.notification
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=notification.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=list(delivery.addresses),
        headers={"X-DBSBM-Delivery": delivery.key},
    )
    if notification.html:
        message.attach_alternative(notification.html, "text/html")
    for attachment in notification.attachments:
        message.attach(exact_attachment(attachment["name"], _attachment_bytes(attachment), attachment["content_type"]))
    try:
        message.send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as error:
        raise DeliveryError(f"SMTP: {type(error).__name__}") from error
    return None


def webhook_body(delivery: Delivery, *, now: datetime) -> str:
    notification = delivery.notification
    return json.dumps(
        {"type": notification.kind, "timestamp": now.isoformat(), "data": notification.payload},
        separators=(",", ":"),
        sort_keys=True,
    )


def webhook_send(delivery: Delivery, *, now: datetime) -> int:
    """POST the event signed the Standard Webhooks way; webhook-id is the delivery key, the same on every
    retry, so a receiver can drop a copy it has already seen."""
    endpoint = delivery.webhook
    if endpoint is None or not endpoint.is_active:
        raise DeliveryError("The webhook endpoint was removed or disabled.")
    body = webhook_body(delivery, now=now)
    headers = {
        "content-type": "application/json",
        "webhook-id": delivery.key,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(endpoint.secret).sign(msg_id=delivery.key, timestamp=now, data=body),
    }
    # a breaker per endpoint, not per host: tenants whose webhooks share a host (one SaaS receiver) must not
    # open each other's circuit
    return _require_2xx(
        http_post(url=endpoint.url, body=body.encode(), headers=headers, upstream=f"webhook:{endpoint.pk}")
    )


def discord_send(delivery: Delivery, *, now: datetime) -> int:
    """Post to the guild's Discord channel through its webhook URL; mentions are never parsed."""
    channel = delivery.discord_channel
    if channel is None or not channel.is_active:
        raise DeliveryError("The Discord channel was removed or disabled.")
    notification = delivery.notification
    body = {
        "content": notification.subject[:2000],
        "embeds": [{"title": notification.subject[:256], "description": notification.text[:4096]}],
        "allowed_mentions": {"parse": []},
    }
    headers = {"content-type": "application/json"}
    return _require_2xx(
        http_post(
            url=channel.webhook_url,
            body=json.dumps(body).encode(),
            headers=headers,
            upstream=f"discord-channel:{channel.pk}",  # one guild's broken channel never holds back another's
        )
    )


SENDERS = {"email": email_send, "webhook": webhook_send, "discord": discord_send}
