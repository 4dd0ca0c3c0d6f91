"""Destinations a caller names explicitly (an incident escalation level's webhook and Discord targets).

Such a destination is a row like any subscribed one, so the signing, the retries and the delivery log are
the same; it is created `subscribed=False`, so it never receives the events other endpoints subscribe to
(an endpoint without a tenant and without `event_kinds` would otherwise get every event). A webhook URL
gets one endpoint with a generated Standard Webhooks secret (`whsec_…`, shown in the admin, where the
receiver's operator copies it); the same URL named again reuses that endpoint and its secret. A Discord
URL (it carries a token, encrypted at rest, so not searchable) is matched by decrypting the few named-only
channels, or created.
"""

import base64
import secrets

from django.db import transaction

from apps.notifications.models import DiscordChannel, WebhookEndpoint

SECRET_BYTES = 24


def webhook_secret_generate() -> str:
    """A new Standard Webhooks secret: `whsec_` + base64 of 24 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def webhook_target(*, url: str, name: str = "") -> WebhookEndpoint:
    """The named-only endpoint of `url`, created with a fresh secret the first time (one per URL: a unique
    constraint; a concurrent creation finds the other's row). A disabled one stays disabled (staff's call)."""
    endpoint, _ = WebhookEndpoint.objects.get_or_create(
        url=url,
        tenant=None,
        subscribed=False,
        defaults={"name": (name or f"target {url}")[:100], "secret": webhook_secret_generate()},
    )
    return endpoint


@transaction.atomic
def discord_target(*, url: str) -> DiscordChannel:
    """The named-only Discord channel of this webhook URL (created the first time)."""
    for channel in DiscordChannel.objects.filter(tenant=None, subscribed=False).order_by("pk"):
        if channel.webhook_url == url:
            return channel
    return DiscordChannel.objects.create(webhook_url=url, subscribed=False)
