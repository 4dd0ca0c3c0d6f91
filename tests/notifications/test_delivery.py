"""The notification layer delivers through a real SMTP server and real local HTTP receivers (a Standard
Webhooks receiver that verifies the signature, a Discord webhook), records every attempt, retries with
back-off, gives up, and never sends a delivery twice."""

import json
import socket
from datetime import UTC, datetime, time, timedelta

import pytest
from django.utils import timezone
from standardwebhooks import Webhook
from werkzeug import Request, Response

from apps.accounts.choices import StaffRole
from apps.core.models import MemorySnapshot, OutboxMessage
from apps.core.signals import memory_threshold_crossed
from apps.notifications.choices import DeliveryStatus, EventKind, Severity
from apps.notifications.models import (
    Delivery,
    DiscordChannel,
    InboxItem,
    Notification,
    NotificationPreference,
    WebhookEndpoint,
)
from apps.notifications.services import Recipients, delivery_send, notification_send
from apps.notifications.tasks import notification_delivery_send_task

pytestmark = pytest.mark.django_db

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
CONTEXT = {"snapshot_id": 7, "process": "web-1", "level": "high", "previous_level": "medium", "rss_mib": 900}


def _send(capture, *, key="memory:7:high", recipients=None, severity=Severity.WARNING, guild_id="", now=None):
    with capture(execute=True):
        return notification_send(
            kind=EventKind.MEMORY_THRESHOLD,
            key=key,
            context=CONTEXT,
            recipients=recipients or Recipients(),
            severity=severity,
            guild_id=guild_id,
            now=now,
        )


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_email_goes_over_smtp_once_to_people_and_addresses_with_text_and_html(
    staff_user,
    smtp_server,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    staff_user(StaffRole.OPS, username="ops1", email="ops1@dbsbm.test")  # ops: the default role of memory alerts
    analyst = staff_user(StaffRole.SECURITY_ANALYST, username="analyst", email="analyst@dbsbm.test")

    notification = _send(
        django_capture_on_commit_callbacks, recipients=Recipients(user_ids=[analyst.pk], addresses=["pager@dbsbm.test"])
    )

    assert len(smtp_server.mails) == 1
    mail = smtp_server.mails[0]
    assert sorted(mail.recipients) == ["analyst@dbsbm.test", "ops1@dbsbm.test", "pager@dbsbm.test"]
    assert mail.mail_from == "compliance@dbsbm.test"
    assert mail.message["Subject"] == "[DBSBM ops] Memory HIGH: web-1 at 900 MiB"
    assert "reached high (900 MiB; was medium)" in mail.message.get_body(("plain",)).get_content()
    assert "<h1>Memory high: web-1</h1>" in mail.message.get_body(("html",)).get_content()
    email = Delivery.objects.get(notification=notification, channel="email")
    assert (email.status, email.attempts, email.last_error) == (DeliveryStatus.SENT, 1, "")
    assert sorted(InboxItem.objects.values_list("user__username", flat=True)) == ["analyst", "ops1"]
    # a retried or duplicated task finds the delivery sent and sends nothing
    assert notification_delivery_send_task.apply(args=[email.pk]).get() == DeliveryStatus.SENT
    assert len(smtp_server.mails) == 1


def test_the_same_event_told_twice_creates_and_sends_nothing_more(
    staff_user,
    smtp_server,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    staff_user(StaffRole.OPS, username="ops1", email="ops1@dbsbm.test")
    first = _send(django_capture_on_commit_callbacks)
    second = _send(django_capture_on_commit_callbacks)

    assert first is not None and second is None
    assert (Notification.objects.count(), Delivery.objects.count(), len(smtp_server.mails)) == (1, 2, 1)


def test_a_signed_webhook_is_verified_by_the_receiver_and_never_sent_twice(
    httpserver, django_capture_on_commit_callbacks
):
    received = []

    def receiver(request: Request) -> Response:
        try:
            payload = Webhook(SECRET).verify(request.get_data(), dict(request.headers))
        except Exception:  # noqa: BLE001 - a bad signature is the receiver's 401
            return Response("bad signature", status=401)
        received.append((request.headers["webhook-id"], payload))
        return Response("", status=204)

    httpserver.expect_request("/hooks", method="POST").respond_with_handler(receiver)
    endpoint = WebhookEndpoint.objects.create(name="siem", url=httpserver.url_for("/hooks"), secret=SECRET)

    notification = _send(django_capture_on_commit_callbacks)

    delivery = Delivery.objects.get(notification=notification, channel="webhook")
    assert (delivery.status, delivery.response_status, delivery.webhook_id) == (
        DeliveryStatus.DELIVERED,
        204,
        endpoint.pk,
    )
    assert received == [
        (delivery.key, {"type": "memory_threshold", "timestamp": received[0][1]["timestamp"], "data": CONTEXT})
    ]
    assert delivery_send(delivery_id=delivery.pk) == DeliveryStatus.DELIVERED
    assert len(httpserver.log) == 1


def test_a_tampered_signature_is_refused_by_the_receiver(httpserver, django_capture_on_commit_callbacks):
    def receiver(request: Request) -> Response:
        try:
            Webhook(SECRET).verify(request.get_data(), dict(request.headers))
        except Exception:  # noqa: BLE001
            return Response("bad signature", status=401)
        return Response("", status=200)

    httpserver.expect_request("/hooks").respond_with_handler(receiver)
    other_secret = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo="
    WebhookEndpoint.objects.create(name="siem", url=httpserver.url_for("/hooks"), secret=other_secret)

    notification = _send(django_capture_on_commit_callbacks)

    delivery = Delivery.objects.get(notification=notification, channel="webhook")
    assert (delivery.status, delivery.response_status, delivery.last_error) == (DeliveryStatus.FAILED, 401, "HTTP 401")


def test_a_failed_delivery_is_retried_with_backoff_and_delivered_once(
    settings, httpserver, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    answers = iter([500, 200, 200])
    httpserver.expect_request("/hooks").respond_with_handler(lambda request: Response("", status=next(answers)))
    WebhookEndpoint.objects.create(
        name="siem", url=httpserver.url_for("/hooks"), secret=SECRET, event_kinds=[EventKind.MEMORY_THRESHOLD]
    )
    now = timezone.now()

    notification = _send(django_capture_on_commit_callbacks, now=now)

    delivery = Delivery.objects.get(notification=notification, channel="webhook")
    assert (delivery.status, delivery.attempts, delivery.last_error) == (DeliveryStatus.FAILED, 1, "HTTP 500")
    retry = OutboxMessage.objects.get(args=[delivery.pk], completed_at=None)
    assert retry.available_at == delivery.next_attempt_at
    # webhook back-off: equal jitter, between half and all of the base after the first failure
    assert timedelta(seconds=15) <= delivery.next_attempt_at - now <= timedelta(seconds=31)
    # too early: nothing is sent
    assert delivery_send(delivery_id=delivery.pk, now=delivery.next_attempt_at - timedelta(seconds=1)) == "failed"
    assert len(httpserver.log) == 1

    due = delivery.next_attempt_at
    assert delivery_send(delivery_id=delivery.pk, now=due) == DeliveryStatus.DELIVERED
    assert delivery_send(delivery_id=delivery.pk, now=due + timedelta(hours=1)) == DeliveryStatus.DELIVERED

    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.response_status, delivery.last_error, len(httpserver.log)) == (2, 200, "", 2)


def test_an_unreachable_receiver_is_dead_lettered_after_the_last_attempt(settings, django_capture_on_commit_callbacks):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    WebhookEndpoint.objects.create(name="gone", url=f"http://127.0.0.1:{_closed_port()}/", secret=SECRET)

    notification = _send(django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get(notification=notification, channel="webhook")
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)
    assert delivery.last_error == "ConnectionError: unreachable"

    assert delivery_send(delivery_id=delivery.pk, now=delivery.next_attempt_at) == DeliveryStatus.DEAD_LETTER
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.next_attempt_at) == (2, None)
    assert OutboxMessage.objects.filter(args=[delivery.pk], completed_at=None).count() == 1  # no third attempt


def test_the_guilds_discord_channel_gets_its_guilds_events(
    tenant, other_tenant, httpserver, django_capture_on_commit_callbacks
):
    httpserver.expect_request(
        "/api/webhooks/1/token",
        method="POST",
        json={
            "content": "[DBSBM ops] Memory HIGH: web-1 at 900 MiB",
            "embeds": [
                {
                    "title": "[DBSBM ops] Memory HIGH: web-1 at 900 MiB",
                    "description": "The memory of web-1 reached high (900 MiB; was medium).\nSnapshot #7.\n",
                }
            ],
            "allowed_mentions": {"parse": []},
        },
    ).respond_with_data("", status=204)
    DiscordChannel.objects.create(tenant=tenant, webhook_url=httpserver.url_for("/api/webhooks/1/token"))
    DiscordChannel.objects.create(tenant=other_tenant, webhook_url=httpserver.url_for("/api/webhooks/2/other"))

    notification = _send(django_capture_on_commit_callbacks, guild_id=tenant.guild_id)

    delivery = Delivery.objects.get(notification=notification)
    assert (delivery.channel, delivery.status, delivery.response_status) == ("discord", DeliveryStatus.DELIVERED, 204)
    assert len(httpserver.log) == 1


def test_quiet_hours_defer_a_non_critical_email_but_not_a_critical_one(
    staff_user,
    smtp_server,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    sleeper = staff_user(StaffRole.OPS, username="sleeper", email="sleeper@dbsbm.test")
    NotificationPreference.objects.create(
        user=sleeper, quiet_hours_start=time(22), quiet_hours_end=time(7), time_zone="Europe/Berlin"
    )
    night = datetime(2026, 12, 7, 22, 30, tzinfo=UTC)  # 23:30 in Berlin

    _send(django_capture_on_commit_callbacks, key="quiet:warning", now=night)
    _send(django_capture_on_commit_callbacks, key="quiet:critical", now=night, severity=Severity.CRITICAL)

    deferred = Delivery.objects.get(notification__key="quiet:warning", channel="email")
    assert (deferred.status, deferred.not_before) == (DeliveryStatus.QUEUED, datetime(2026, 12, 8, 6, 0, tzinfo=UTC))
    assert OutboxMessage.objects.get(args=[deferred.pk]).available_at == deferred.not_before
    assert [mail.message["Subject"] for mail in smtp_server.mails] == ["[DBSBM ops] Memory HIGH: web-1 at 900 MiB"]
    assert Delivery.objects.get(notification__key="quiet:critical", channel="email").status == DeliveryStatus.SENT

    assert delivery_send(delivery_id=deferred.pk, now=deferred.not_before) == DeliveryStatus.SENT
    assert len(smtp_server.mails) == 2


def test_preferences_choose_the_channels(staff_user, smtp_server, django_capture_on_commit_callbacks):  # noqa: F811
    inbox_only = staff_user(StaffRole.OPS, username="quiet", email="quiet@dbsbm.test")
    NotificationPreference.objects.create(user=inbox_only, channels=["inbox"])

    _send(django_capture_on_commit_callbacks)

    assert smtp_server.mails == []
    assert list(Delivery.objects.values_list("channel", "status")) == [("inbox", DeliveryStatus.DELIVERED)]
    assert InboxItem.objects.get().user == inbox_only


def test_a_memory_threshold_signal_tells_ops(staff_user, smtp_server, django_capture_on_commit_callbacks):  # noqa: F811
    staff_user(StaffRole.OPS, username="ops1", email="ops1@dbsbm.test")
    with django_capture_on_commit_callbacks(execute=True):
        memory_threshold_crossed.send(
            sender=MemorySnapshot,
            level="critical",
            previous_level="high",
            rss_bytes=2048 * 1024 * 1024,
            process="w",
            snapshot_id=3,
        )

    notification = Notification.objects.get()
    assert (notification.key, notification.severity, notification.subject) == (
        "memory:3:critical",
        Severity.CRITICAL,
        "[DBSBM ops] Memory CRITICAL: w at 2048 MiB",
    )
    assert [mail.recipients for mail in smtp_server.mails] == [["ops1@dbsbm.test"]]
    assert json.loads(json.dumps(notification.payload))["level"] == "critical"
