"""Destinations a caller names (incident escalation targets): named-only webhook endpoints and Discord
channels get what names them and never the events others subscribe to; one endpoint and secret per URL."""

import pytest
from standardwebhooks import Webhook
from werkzeug import Request, Response

from apps.notifications.choices import DeliveryStatus, EventKind
from apps.notifications.models import Delivery, DiscordChannel, WebhookEndpoint
from apps.notifications.services import Recipients, discord_target, notification_send, webhook_target

pytestmark = pytest.mark.django_db

CONTEXT = {"snapshot_id": 7, "process": "web-1", "level": "high", "previous_level": "medium", "rss_mib": 900}


def _send(capture, *, key: str, recipients: Recipients):
    with capture(execute=True):
        return notification_send(kind=EventKind.MEMORY_THRESHOLD, key=key, context=CONTEXT, recipients=recipients)


def test_one_endpoint_with_a_generated_secret_per_url():
    first = webhook_target(url="https://pager.dbsbm.test/a")
    again = webhook_target(url="https://pager.dbsbm.test/a")
    other = webhook_target(url="https://pager.dbsbm.test/b")

    assert first.pk == again.pk and first.secret == again.secret and other.secret != first.secret
    assert first.secret.startswith("whsec_") and not first.subscribed
    Webhook(first.secret)  # a valid Standard Webhooks secret


def test_a_named_endpoint_gets_what_names_it_signed_and_nothing_it_was_not_named_for(
    httpserver, tenant, django_capture_on_commit_callbacks
):
    received = []
    named = webhook_target(url=httpserver.url_for("/named"))
    secret = named.secret

    def receiver(request: Request) -> Response:
        received.append(Webhook(secret).verify(request.get_data(), dict(request.headers)))
        return Response("", status=204)

    httpserver.expect_request("/named", method="POST").respond_with_handler(receiver)

    _send(django_capture_on_commit_callbacks, key="not-named", recipients=Recipients())
    notification = _send(django_capture_on_commit_callbacks, key="named", recipients=Recipients(webhook_ids=[named.pk]))

    assert [payload["type"] for payload in received] == ["memory_threshold"]
    delivery = Delivery.objects.get(notification=notification)
    assert (delivery.channel, delivery.webhook_id, delivery.status) == ("webhook", named.pk, DeliveryStatus.DELIVERED)
    assert not Delivery.objects.filter(notification__key="not-named").exists()


def test_named_discord_channels_live_beside_the_platform_channel(httpserver, django_capture_on_commit_callbacks):
    httpserver.expect_request("/api/webhooks/9/token", method="POST").respond_with_data("", status=204)
    DiscordChannel.objects.create(webhook_url="https://discord.example.org/api/webhooks/1/platform")
    first = discord_target(url=httpserver.url_for("/api/webhooks/9/token"))
    second = discord_target(url="https://discord.example.org/api/webhooks/2/other")

    assert discord_target(url=httpserver.url_for("/api/webhooks/9/token")).pk == first.pk
    assert DiscordChannel.objects.filter(subscribed=False).count() == 2 and first.pk != second.pk

    notification = _send(
        django_capture_on_commit_callbacks, key="named-discord", recipients=Recipients(discord_channel_ids=[first.pk])
    )

    deliveries = {row.discord_channel_id: row.status for row in Delivery.objects.filter(notification=notification)}
    assert deliveries[first.pk] == DeliveryStatus.DELIVERED
    assert second.pk not in deliveries
    assert len(httpserver.log) == 1


def test_a_disabled_named_endpoint_is_skipped(django_capture_on_commit_callbacks):
    named = webhook_target(url="https://pager.dbsbm.test/off")
    WebhookEndpoint.objects.filter(pk=named.pk).update(is_active=False)

    notification = _send(django_capture_on_commit_callbacks, key="off", recipients=Recipients(webhook_ids=[named.pk]))

    assert not Delivery.objects.filter(notification=notification).exists()
